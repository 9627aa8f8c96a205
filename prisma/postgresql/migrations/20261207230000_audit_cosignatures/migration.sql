-- Witnesses' cosignatures on the signed tree heads of the audit Merkle tree, served with the checkpoint note.

-- CreateTable
CREATE TABLE "AuditCosignature" (
    "treeSize" INTEGER NOT NULL,
    "witness" TEXT NOT NULL,
    "line" TEXT NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AuditCosignature_pkey" PRIMARY KEY ("treeSize","witness")
);
