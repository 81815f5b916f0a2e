import { Logger, LogFormatter, LogItem } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';

/**
 * The functions' log line: the level, the message, the ids that tie a line to its invocation and
 * request, and the line's own fields. Every byte is ingested and stored per delivery, so
 * Powertools' default context fields are left out where CloudWatch already tells them: the log
 * group names the function (`service`, `function_name`, `function_arn`), its stream the version,
 * the platform's `REPORT` line the memory, and every event has its `@timestamp`. Kept:
 *
 * - `function_request_id`: the Lambda request id, shared with the platform's lines, the access
 *   log's `integrationRequestId` and X-Ray;
 * - `requestId`: the correlation id (the API Gateway request id, also the answer's
 *   `apigw-requestid` header), the key the ingest delivery line already carries it under;
 * - `xray_trace_id`, only when the request is sampled: an unsampled trace id leads nowhere;
 * - `cold_start: true`, only on the lines of an instance's first invocation: the ingest functions
 *   keep no `REPORT` line by default (`ingestSystemLogLevel`), whose `Init Duration` said it, and
 *   `false` on every other line would only be bytes.
 */
export class LeanLogFormatter extends LogFormatter {
  override formatAttributes(
    attributes: UnformattedAttributes,
    additionalLogAttributes: LogAttributes,
  ): LogItem {
    const { correlation_id: correlationId, ...rest } = additionalLogAttributes;
    const requestId = attributes.lambdaContext?.awsRequestId;
    const coldStart = attributes.lambdaContext?.coldStart === true;
    const traceId = sampledTraceId();
    return new LogItem({
      attributes: {
        level: attributes.logLevel,
        message: attributes.message,
        ...(requestId !== undefined && { function_request_id: requestId }),
        ...(correlationId !== undefined && { requestId: correlationId }),
        ...(traceId !== undefined && { xray_trace_id: traceId }),
        ...(coldStart && { cold_start: true }),
      },
    }).addAttributes(rest);
  }
}

/** The logger every function composes: Powertools' Logger, configured by its environment. */
export function createLogger(
  options: {
    readonly serviceName?: string;
    readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  } = {},
): Logger {
  return new Logger({ ...options, logFormatter: new LeanLogFormatter() });
}

/** The X-Ray root of this invocation's trace, when Lambda says it is sampled. */
function sampledTraceId(): string | undefined {
  const header = process.env['_X_AMZN_TRACE_ID'];
  if (header === undefined || !header.includes('Sampled=1')) return undefined;
  return /Root=([^;]+)/.exec(header)?.[1];
}
