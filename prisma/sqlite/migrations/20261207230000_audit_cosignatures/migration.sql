-- Witnesses' cosignatures on the signed tree heads of the audit Merkle tree, served with the checkpoint note.

-- CreateTable
CREATE TABLE "AuditCosignature" (
    "treeSize" INTEGER NOT NULL,
    "witness" TEXT NOT NULL,
    "line" TEXT NOT NULL,
    "receivedAt" DATETIME NOT NULL,

    PRIMARY KEY ("treeSize", "witness")
);
