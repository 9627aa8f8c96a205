// Every route, one file each, listed here. Public routes first; the rest need a bearer token.
import type { Router } from 'express';
import type { Context } from '../../context.ts';
import deleteConsent from './delete-consent.ts';
import getAuditCheckpoint from './get-audit-checkpoint.ts';
import getAuditCheckpoints from './get-audit-checkpoints.ts';
import getAuditLogKey from './get-audit-log-key.ts';
import getAuditConsistencyProof from './get-audit-consistency-proof.ts';
import getAuditEntry from './get-audit-entry.ts';
import getAuditInclusionProof from './get-audit-inclusion-proof.ts';
import getAuditVerify from './get-audit-verify.ts';
import getCitizenConsents from './get-citizen-consents.ts';
import getCitizenTransfers from './get-citizen-transfers.ts';
import getConsent from './get-consent.ts';
import getDirectoryRegisters from './get-directory-registers.ts';
import getEvidenceRequest from './get-evidence-request.ts';
import getHealthz from './get-healthz.ts';
import getDocs from './get-docs.ts';
import getMe from './get-me.ts';
import getMetrics from './get-metrics.ts';
import getOpenApi from './get-openapi.ts';
import getReadyz from './get-readyz.ts';
import getStatistics from './get-statistics.ts';
import postAuditCosignature from './post-audit-cosignature.ts';
import postConsent from './post-consent.ts';
import postEvidenceRequest from './post-evidence-request.ts';

type Route = (router: Router, ctx: Context) => void;

export const publicRoutes: Route[] = [getHealthz, getReadyz, getMetrics, getOpenApi, getDocs];

/** The audit log's public face (no personal data): readable without a token, limited per client address. */
export const transparencyRoutes: Route[] = [getAuditCheckpoint, getAuditLogKey, getAuditEntry, getAuditInclusionProof, getAuditConsistencyProof, postAuditCosignature];

export const authenticatedRoutes: Route[] = [
  getMe,
  postEvidenceRequest,
  getEvidenceRequest,
  postConsent,
  getConsent,
  deleteConsent,
  getCitizenConsents,
  getCitizenTransfers,
  getAuditVerify,
  getAuditCheckpoints,
  getStatistics,
  getDirectoryRegisters,
];
