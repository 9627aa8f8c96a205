-- Registers are data: instances per evidence type with their jurisdiction, pinned certificates and access
-- rights; requests keep their routing hints, items the instance asked (null: none was responsible).

-- AlterTable
ALTER TABLE "EvidenceRequest" ADD COLUMN "routing" TEXT;

-- RedefineTables: EvidenceItem.register becomes nullable, registerName is added.
CREATE TABLE "new_EvidenceItem" (
    "requestId" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "register" TEXT,
    "registerName" TEXT,
    "status" TEXT NOT NULL,
    "reason" TEXT,
    "fetchedAt" DATETIME,
    "dataHash" TEXT,
    "pendingTicket" TEXT,

    PRIMARY KEY ("requestId", "type"),
    CONSTRAINT "EvidenceItem_requestId_fkey" FOREIGN KEY ("requestId") REFERENCES "EvidenceRequest" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_EvidenceItem" ("requestId", "type", "register", "status", "reason", "fetchedAt", "dataHash", "pendingTicket")
SELECT "requestId", "type", "register", "status", "reason", "fetchedAt", "dataHash", "pendingTicket" FROM "EvidenceItem";
DROP TABLE "EvidenceItem";
ALTER TABLE "new_EvidenceItem" RENAME TO "EvidenceItem";

-- CreateTable
CREATE TABLE "RegisterInstance" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "evidenceType" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "endpointUrl" TEXT NOT NULL,
    "jurisdictionKind" TEXT NOT NULL,
    "purposes" TEXT NOT NULL,
    "participants" TEXT,
    "enabled" BOOLEAN NOT NULL,
    "mutualTls" BOOLEAN NOT NULL,
    "createdAt" DATETIME NOT NULL,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "RegisterJurisdiction" (
    "evidenceType" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "instanceId" TEXT NOT NULL,

    PRIMARY KEY ("evidenceType", "value"),
    CONSTRAINT "RegisterJurisdiction_instanceId_fkey" FOREIGN KEY ("instanceId") REFERENCES "RegisterInstance" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "RegisterCertificate" (
    "instanceId" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "pem" TEXT NOT NULL,
    "notBefore" DATETIME NOT NULL,
    "notAfter" DATETIME NOT NULL,
    "addedAt" DATETIME NOT NULL,
    "retiredAt" DATETIME,

    PRIMARY KEY ("instanceId", "fingerprint"),
    CONSTRAINT "RegisterCertificate_instanceId_fkey" FOREIGN KEY ("instanceId") REFERENCES "RegisterInstance" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "RegisterDirectoryState" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "version" INTEGER NOT NULL,
    "updatedAt" DATETIME NOT NULL
);

-- CreateIndex
CREATE INDEX "RegisterInstance_evidenceType_idx" ON "RegisterInstance"("evidenceType");

-- CreateIndex
CREATE INDEX "RegisterJurisdiction_instanceId_idx" ON "RegisterJurisdiction"("instanceId");
