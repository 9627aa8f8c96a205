-- CreateTable
CREATE TABLE "Participant" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "region" TEXT NOT NULL,
    "evidenceTypes" TEXT NOT NULL,
    "purposes" TEXT NOT NULL,
    "legalBases" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Participant_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Certificate" (
    "serial" TEXT NOT NULL,
    "participantId" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "use" TEXT NOT NULL,
    "notBefore" TIMESTAMP(3) NOT NULL,
    "notAfter" TIMESTAMP(3) NOT NULL,
    "pem" TEXT NOT NULL,
    "issuedAt" TIMESTAMP(3) NOT NULL,
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "Certificate_pkey" PRIMARY KEY ("serial")
);

-- CreateTable
CREATE TABLE "ApiToken" (
    "id" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "subjectType" TEXT NOT NULL,
    "subjectId" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "expiresAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "ApiToken_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Consent" (
    "id" TEXT NOT NULL,
    "citizenIdNr" TEXT NOT NULL,
    "granteeId" TEXT NOT NULL,
    "evidenceTypes" TEXT NOT NULL,
    "purpose" TEXT NOT NULL,
    "validFrom" TIMESTAMP(3) NOT NULL,
    "validUntil" TIMESTAMP(3) NOT NULL,
    "grantedAt" TIMESTAMP(3) NOT NULL,
    "grantedBy" TEXT NOT NULL,
    "revokedAt" TIMESTAMP(3),
    "revokedBy" TEXT,

    CONSTRAINT "Consent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EvidenceRequest" (
    "id" TEXT NOT NULL,
    "participantId" TEXT NOT NULL,
    "citizenIdNr" TEXT NOT NULL,
    "purpose" TEXT NOT NULL,
    "caseReference" TEXT NOT NULL,
    "onBehalfOf" TEXT,
    "periodFrom" TEXT NOT NULL,
    "periodTo" TEXT NOT NULL,
    "consentId" TEXT,
    "legalBasis" TEXT,
    "status" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "answeredAt" TIMESTAMP(3),
    "auditSeq" INTEGER,
    "evidenceTypes" TEXT NOT NULL,
    "mode" TEXT NOT NULL,
    "idempotencyKeyHash" TEXT,
    "requestHash" TEXT NOT NULL,
    "lockedUntil" TIMESTAMP(3),
    "lockToken" TEXT,
    "resultCipher" TEXT,
    "resultExpiresAt" TIMESTAMP(3),

    CONSTRAINT "EvidenceRequest_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EvidenceItem" (
    "requestId" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "register" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "reason" TEXT,
    "fetchedAt" TIMESTAMP(3),
    "dataHash" TEXT,
    "pendingTicket" TEXT,

    CONSTRAINT "EvidenceItem_pkey" PRIMARY KEY ("requestId","type")
);

-- CreateTable
CREATE TABLE "AuditEntry" (
    "seq" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "prevHash" TEXT NOT NULL,
    "commitment" TEXT NOT NULL,
    "hash" TEXT NOT NULL,

    CONSTRAINT "AuditEntry_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "AuditDetail" (
    "seq" INTEGER NOT NULL,
    "salt" TEXT NOT NULL,
    "citizenIdNr" TEXT,
    "actorId" TEXT NOT NULL,
    "requestId" TEXT,
    "consentId" TEXT,
    "details" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AuditDetail_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "AuditHead" (
    "id" INTEGER NOT NULL,
    "seq" INTEGER NOT NULL,
    "hash" TEXT NOT NULL,

    CONSTRAINT "AuditHead_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditCheckpoint" (
    "seq" INTEGER NOT NULL,
    "hash" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "signature" TEXT NOT NULL,
    "keyId" TEXT NOT NULL,
    "publicKey" TEXT NOT NULL,

    CONSTRAINT "AuditCheckpoint_pkey" PRIMARY KEY ("seq")
);

-- CreateIndex
CREATE UNIQUE INDEX "Certificate_fingerprint_key" ON "Certificate"("fingerprint");

-- CreateIndex
CREATE INDEX "Certificate_participantId_idx" ON "Certificate"("participantId");

-- CreateIndex
CREATE UNIQUE INDEX "ApiToken_tokenHash_key" ON "ApiToken"("tokenHash");

-- CreateIndex
CREATE INDEX "Consent_citizenIdNr_idx" ON "Consent"("citizenIdNr");

-- CreateIndex
CREATE INDEX "Consent_granteeId_citizenIdNr_purpose_idx" ON "Consent"("granteeId", "citizenIdNr", "purpose");

-- CreateIndex
CREATE INDEX "EvidenceRequest_citizenIdNr_idx" ON "EvidenceRequest"("citizenIdNr");

-- CreateIndex
CREATE INDEX "EvidenceRequest_createdAt_idx" ON "EvidenceRequest"("createdAt");

-- CreateIndex
CREATE INDEX "EvidenceRequest_status_lockedUntil_idx" ON "EvidenceRequest"("status", "lockedUntil");

-- CreateIndex
CREATE INDEX "EvidenceRequest_resultExpiresAt_idx" ON "EvidenceRequest"("resultExpiresAt");

-- CreateIndex
CREATE UNIQUE INDEX "EvidenceRequest_participantId_idempotencyKeyHash_key" ON "EvidenceRequest"("participantId", "idempotencyKeyHash");

-- CreateIndex
CREATE INDEX "AuditDetail_citizenIdNr_idx" ON "AuditDetail"("citizenIdNr");

-- CreateIndex
CREATE INDEX "AuditDetail_expiresAt_idx" ON "AuditDetail"("expiresAt");

-- AddForeignKey
ALTER TABLE "EvidenceItem" ADD CONSTRAINT "EvidenceItem_requestId_fkey" FOREIGN KEY ("requestId") REFERENCES "EvidenceRequest"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AuditDetail" ADD CONSTRAINT "AuditDetail_seq_fkey" FOREIGN KEY ("seq") REFERENCES "AuditEntry"("seq") ON DELETE CASCADE ON UPDATE CASCADE;

-- Seed the audit chain's head (genesis): every append locks and advances this one row.
INSERT INTO "AuditHead" ("id", "seq", "hash") VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
