-- A keyed pseudonym of the citizen on each audit entry that has one, so the citizen still sees an entry whose
-- detail row is missing. Not part of the leaf bytes or the link hash. Existing entries whose detail still
-- exists are tagged by the broker at start-up (the key is not in the database).

-- AlterTable
ALTER TABLE "AuditEntry" ADD COLUMN "citizenTag" TEXT;

-- CreateIndex
CREATE INDEX "AuditEntry_citizenTag_idx" ON "AuditEntry"("citizenTag");
