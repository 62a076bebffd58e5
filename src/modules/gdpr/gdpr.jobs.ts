import { defineJob } from '../../jobs/registry.js';
import { ZDeleteUserPayload } from './gdpr.schemas.js';
import { DELETE_USER_JOB, type GdprService } from './gdpr.service.js';

export const createGdprJobs = (service: Pick<GdprService, 'deleteUser'>) => [
  defineJob({ name: DELETE_USER_JOB, payload: ZDeleteUserPayload, handler: (payload, run) => service.deleteUser(payload, run) }),
];
