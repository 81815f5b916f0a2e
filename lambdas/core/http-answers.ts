import type { AnswerPolicy, RejectionKind } from './vendor.js';

/**
 * Every HTTP answer ingest gives (DESIGN §3.1), in one place. Bodies never say why a delivery
 * was refused; the log does.
 */
export interface HttpAnswer {
  readonly statusCode: number;
  readonly body: string;
}

export const DEFAULT_ANSWERS: AnswerPolicy = { accepted: 200, unauthenticated: 401 };

const STATUS = {
  badRequest: 400,
  forbidden: 403,
  notFound: 404,
  payloadTooLarge: 413,
  serviceUnavailable: 503,
} as const;

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
  rejected: (kind: RejectionKind, policy: AnswerPolicy): HttpAnswer =>
    error(kind === 'malformed' ? STATUS.badRequest : policy.unauthenticated),
  forbidden: (): HttpAnswer => error(STATUS.forbidden),
  notFound: (): HttpAnswer => error(STATUS.notFound),
  tooLarge: (): HttpAnswer => error(STATUS.payloadTooLarge),
  unavailable: (): HttpAnswer => error(STATUS.serviceUnavailable),
};
