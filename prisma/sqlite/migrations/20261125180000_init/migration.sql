-- CreateTable
CREATE TABLE "Participant" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "region" TEXT NOT NULL,
    "evidenceTypes" TEXT NOT NULL,
    "purposes" TEXT NOT NULL,
    "legalBases" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "Certificate" (
    "serial" TEXT NOT NULL PRIMARY KEY,
    "participantId" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "use" TEXT NOT NULL,
    "notBefore" DATETIME NOT NULL,
    "notAfter" DATETIME NOT NULL,
    "pem" TEXT NOT NULL,
    "issuedAt" DATETIME NOT NULL,
    "revokedAt" DATETIME
);

-- CreateTable
CREATE TABLE "ApiToken" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "tokenHash" TEXT NOT NULL,
    "subjectType" TEXT NOT NULL,
    "subjectId" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL,
    "expiresAt" DATETIME,
    "revokedAt" DATETIME
);

-- CreateTable
CREATE TABLE "Consent" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "citizenIdNr" TEXT NOT NULL,
    "granteeId" TEXT NOT NULL,
    "evidenceTypes" TEXT NOT NULL,
    "purpose" TEXT NOT NULL,
    "validFrom" DATETIME NOT NULL,
    "validUntil" DATETIME NOT NULL,
    "grantedAt" DATETIME NOT NULL,
    "grantedBy" TEXT NOT NULL,
    "revokedAt" DATETIME,
    "revokedBy" TEXT
);

-- CreateTable
CREATE TABLE "EvidenceRequest" (
    "id" TEXT NOT NULL PRIMARY KEY,
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
    "createdAt" DATETIME NOT NULL,
    "answeredAt" DATETIME,
    "auditSeq" INTEGER,
    "evidenceTypes" TEXT NOT NULL,
    "mode" TEXT NOT NULL,
    "idempotencyKeyHash" TEXT,
    "requestHash" TEXT NOT NULL,
    "lockedUntil" DATETIME,
    "lockToken" TEXT,
    "resultCipher" TEXT,
    "resultExpiresAt" DATETIME
);

-- CreateTable
CREATE TABLE "EvidenceItem" (
    "requestId" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "register" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "reason" TEXT,
    "fetchedAt" DATETIME,
    "dataHash" TEXT,
    "pendingTicket" TEXT,

    PRIMARY KEY ("requestId", "type"),
    CONSTRAINT "EvidenceItem_requestId_fkey" FOREIGN KEY ("requestId") REFERENCES "EvidenceRequest" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "AuditEntry" (
    "seq" INTEGER NOT NULL PRIMARY KEY,
    "kind" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL,
    "prevHash" TEXT NOT NULL,
    "commitment" TEXT NOT NULL,
    "hash" TEXT NOT NULL
);

-- CreateTable
CREATE TABLE "AuditDetail" (
    "seq" INTEGER NOT NULL PRIMARY KEY,
    "salt" TEXT NOT NULL,
    "citizenIdNr" TEXT,
    "actorId" TEXT NOT NULL,
    "requestId" TEXT,
    "consentId" TEXT,
    "details" TEXT NOT NULL,
    "expiresAt" DATETIME NOT NULL,
    CONSTRAINT "AuditDetail_seq_fkey" FOREIGN KEY ("seq") REFERENCES "AuditEntry" ("seq") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "AuditHead" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "seq" INTEGER NOT NULL,
    "hash" TEXT NOT NULL
);

-- CreateTable
CREATE TABLE "AuditCheckpoint" (
    "seq" INTEGER NOT NULL PRIMARY KEY,
    "hash" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL,
    "signature" TEXT NOT NULL,
    "keyId" TEXT NOT NULL,
    "publicKey" TEXT NOT NULL
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

-- Seed the audit chain's head (genesis): every append locks and advances this one row.
INSERT INTO "AuditHead" ("id", "seq", "hash") VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
