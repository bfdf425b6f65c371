// @ts-check
// Shapes of the API answers the console reads (the API's own schemas are at /docs).

/**
 * @typedef {object} Me
 * @property {string} name
 * @property {string} role
 */

/**
 * @typedef {object} Ack
 * @property {string} by
 * @property {number} atMs
 */

/**
 * An identity event as `/api/events` and the alert stream give it.
 * @typedef {object} AlertEvent
 * @property {string} streamId
 * @property {string} decision
 * @property {string} kind
 * @property {string} camera
 * @property {number} score
 * @property {number} margin
 * @property {number} facePx
 * @property {number} quality
 * @property {number} frameTimeMs
 * @property {string | null} [identityId]
 * @property {string | null} [identityName]
 * @property {string | null} [evidenceKey]
 * @property {number | null} [boxX]
 * @property {number | null} [boxY]
 * @property {number | null} [boxWidth]
 * @property {number | null} [boxHeight]
 * @property {number | null} [frameIndex]
 * @property {number | null} [mediaTimeMs]
 * @property {Ack | null} ack
 */

/**
 * @typedef {object} EventPage
 * @property {AlertEvent[]} items
 * @property {string | null} nextCursor
 */

/**
 * @typedef {object} Identity
 * @property {string} id
 * @property {string} name
 * @property {number} photos
 * @property {number} createdAtMs
 * @property {string} model
 */

/**
 * @typedef {object} CameraStatus
 * @property {string} [state]
 * @property {string} [lastError]
 */

/**
 * @typedef {object} Camera
 * @property {string} id
 * @property {string} url
 * @property {number} fps
 * @property {number} width
 * @property {number} height
 * @property {number} minFacePx
 * @property {unknown[]} ignoreZones
 * @property {boolean} enabled
 * @property {'api' | 'config'} origin
 * @property {CameraStatus | null} status
 */

export {};
