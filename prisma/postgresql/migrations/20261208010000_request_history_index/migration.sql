-- The clerk history (/ui/requests) lists one authority's requests newest first: without this index it scans
-- every request of every authority.

-- CreateIndex
CREATE INDEX "EvidenceRequest_participantId_createdAt_idx" ON "EvidenceRequest"("participantId", "createdAt");
