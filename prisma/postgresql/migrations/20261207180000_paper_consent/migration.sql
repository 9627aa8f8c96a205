-- Paper consents are attributable: the form's reference, the day it was signed, the clerk who recorded it.
-- Consents recorded before keep NULL (no provenance known).

-- AlterTable
ALTER TABLE "Consent" ADD COLUMN     "paperReference" TEXT,
ADD COLUMN     "paperSignedOn" TEXT,
ADD COLUMN     "recordedByClerk" TEXT;
