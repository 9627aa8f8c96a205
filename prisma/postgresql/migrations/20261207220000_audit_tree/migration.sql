-- The audit log as an RFC 9162 Merkle tree: perfect-subtree hashes, and the tree's size and right edge in the
-- head row. Existing entries are added to the tree by the broker at start-up (SQL has no SHA-256 here).

-- AlterTable
ALTER TABLE "AuditHead" ADD COLUMN     "treeSize" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "frontier" TEXT NOT NULL DEFAULT '[]';

-- CreateTable
CREATE TABLE "AuditTreeNode" (
    "level" INTEGER NOT NULL,
    "idx" INTEGER NOT NULL,
    "hash" TEXT NOT NULL,

    CONSTRAINT "AuditTreeNode_pkey" PRIMARY KEY ("level","idx")
);

-- CreateTable
CREATE TABLE "AuditTreeHead" (
    "treeSize" INTEGER NOT NULL,
    "rootHash" TEXT NOT NULL,
    "note" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AuditTreeHead_pkey" PRIMARY KEY ("treeSize")
);
