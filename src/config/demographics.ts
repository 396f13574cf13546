import type { DemographicsSettings } from './types.js';

/** The `demographics` defaults (issue 11): off; faces of 32 px and up; batches of 8 or after 250 ms. */
export const DEFAULT_DEMOGRAPHICS: DemographicsSettings = { enabled: false, min_face_px: 32, batch_size: 8, batch_timeout_ms: 250 };
