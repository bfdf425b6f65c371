/**
 * The API's error catalogue: every error response is `{ error: { code, message, details? } }` with a
 * stable `code` (docs/API.md lists them). Handlers throw ApiError; the error handler maps everything
 * else (validation, body limits, decode and enrolment failures) onto the same shape.
 */
const API_ERRORS = {
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  TOO_MANY_AUTH_FAILURES: 429,
  VALIDATION_FAILED: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  CAMERA_URL_REJECTED: 422,
  PHOTO_REJECTED: 422,
  MODELS_NOT_READY: 503,
  TOO_MANY_CLIENTS: 503,
  UNAVAILABLE: 503,
  ENROLMENT_BUSY: 503,
  INTERNAL: 500,
} as const;

export type ApiErrorCode = keyof typeof API_ERRORS;

export class ApiError extends Error {
  readonly statusCode: number;
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
    this.statusCode = API_ERRORS[code];
  }
}

export function notFound(what: string): ApiError {
  return new ApiError('NOT_FOUND', `${what} not found`);
}
