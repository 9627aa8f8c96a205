-- Paper consents are attributable: the form's reference, the day it was signed, the clerk who recorded it.
-- Consents recorded before keep NULL (no provenance known).

-- AlterTable
ALTER TABLE "Consent" ADD COLUMN "paperReference" TEXT;
ALTER TABLE "Consent" ADD COLUMN "paperSignedOn" TEXT;
ALTER TABLE "Consent" ADD COLUMN "recordedByClerk" TEXT;
