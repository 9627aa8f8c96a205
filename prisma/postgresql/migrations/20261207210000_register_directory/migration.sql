-- Registers are data: instances per evidence type with their jurisdiction, pinned certificates and access
-- rights; requests keep their routing hints, items the instance asked (null: none was responsible).

-- AlterTable
ALTER TABLE "EvidenceRequest" ADD COLUMN     "routing" TEXT;

-- AlterTable
ALTER TABLE "EvidenceItem" ADD COLUMN     "registerName" TEXT,
ALTER COLUMN "register" DROP NOT NULL;

-- CreateTable
CREATE TABLE "RegisterInstance" (
    "id" TEXT NOT NULL,
    "evidenceType" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "endpointUrl" TEXT NOT NULL,
    "jurisdictionKind" TEXT NOT NULL,
    "purposes" TEXT NOT NULL,
    "participants" TEXT,
    "enabled" BOOLEAN NOT NULL,
    "mutualTls" BOOLEAN NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "RegisterInstance_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RegisterJurisdiction" (
    "evidenceType" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "instanceId" TEXT NOT NULL,

    CONSTRAINT "RegisterJurisdiction_pkey" PRIMARY KEY ("evidenceType","value")
);

-- CreateTable
CREATE TABLE "RegisterCertificate" (
    "instanceId" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "pem" TEXT NOT NULL,
    "notBefore" TIMESTAMP(3) NOT NULL,
    "notAfter" TIMESTAMP(3) NOT NULL,
    "addedAt" TIMESTAMP(3) NOT NULL,
    "retiredAt" TIMESTAMP(3),

    CONSTRAINT "RegisterCertificate_pkey" PRIMARY KEY ("instanceId","fingerprint")
);

-- CreateTable
CREATE TABLE "RegisterDirectoryState" (
    "id" INTEGER NOT NULL,
    "version" INTEGER NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "RegisterDirectoryState_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "RegisterInstance_evidenceType_idx" ON "RegisterInstance"("evidenceType");

-- CreateIndex
CREATE INDEX "RegisterJurisdiction_instanceId_idx" ON "RegisterJurisdiction"("instanceId");

-- AddForeignKey
ALTER TABLE "RegisterJurisdiction" ADD CONSTRAINT "RegisterJurisdiction_instanceId_fkey" FOREIGN KEY ("instanceId") REFERENCES "RegisterInstance"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RegisterCertificate" ADD CONSTRAINT "RegisterCertificate_instanceId_fkey" FOREIGN KEY ("instanceId") REFERENCES "RegisterInstance"("id") ON DELETE CASCADE ON UPDATE CASCADE;
