import type { AnswerPolicy, RefusalReason, VendorAnswers } from './vendor.js';

/**
 * Every HTTP answer ingest gives (DESIGN §3.1), in one place. Bodies never say why a delivery
 * was refused; the log does.
 */
export interface HttpAnswer {
  readonly statusCode: number;
  readonly body: string;
}

const STATUS = {
  ok: 200,
  badRequest: 400,
  unauthorized: 401,
  forbidden: 403,
  notFound: 404,
  payloadTooLarge: 413,
  serviceUnavailable: 503,
} as const;

/** DESIGN §3.1: the answer to each refusal cause, unless the vendor's policy says otherwise. */
export const DEFAULT_ANSWERS: AnswerPolicy = {
  accepted: STATUS.ok,
  refused: {
    no_credentials_configured: STATUS.unauthorized,
    missing_authorization: STATUS.unauthorized,
    invalid_authorization: STATUS.unauthorized,
    expired_token: STATUS.unauthorized,
    revoked_client: STATUS.unauthorized,
    foreign_token: STATUS.unauthorized,
    missing_signature: STATUS.unauthorized,
    invalid_signature: STATUS.unauthorized,
    malformed_body: STATUS.badRequest,
    ip_not_allowed: STATUS.forbidden,
    body_too_large: STATUS.payloadTooLarge,
  },
};

/** The default table with a vendor's overrides applied. */
export function answerPolicyOf(vendorAnswers: VendorAnswers | undefined): AnswerPolicy {
  return {
    accepted: vendorAnswers?.accepted ?? DEFAULT_ANSWERS.accepted,
    refused: { ...DEFAULT_ANSWERS.refused, ...vendorAnswers?.refused },
  };
}

const PHRASES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  413: 'Payload Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

function error(statusCode: number): HttpAnswer {
  return { statusCode, body: JSON.stringify({ message: PHRASES[statusCode] ?? 'Error' }) };
}

export const answers = {
  accepted: (policy: AnswerPolicy): HttpAnswer => ({
    statusCode: policy.accepted,
    body: '{"received":true}',
  }),
  refused: (reason: RefusalReason, policy: AnswerPolicy): HttpAnswer =>
    error(policy.refused[reason]),
  forbidden: (): HttpAnswer => error(STATUS.forbidden),
  notFound: (): HttpAnswer => error(STATUS.notFound),
  unavailable: (): HttpAnswer => error(STATUS.serviceUnavailable),
};
