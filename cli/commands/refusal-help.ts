/**
 * Where the reason for a refusal is: ingest never says why in its answer (that would help an
 * attacker), and a refused delivery is not queued or stored, so the table cannot tell either.
 * Ingest logs it as `delivery refused` with the vendor, the request id and a reason code.
 */
export function refusalHelp(
  targetKind: 'local' | 'stack',
  env: Readonly<Record<string, string | undefined>>,
): string {
  const where =
    targetKind === 'local'
      ? 'In local mode it is the `delivery refused` line in the npm start console' +
        (env['POWERTOOLS_LOG_LEVEL'] === 'ERROR' || env['POWERTOOLS_LOG_LEVEL'] === 'SILENT'
          ? ' (shown at POWERTOOLS_LOG_LEVEL=WARN, the default).'
          : '.')
      : "On AWS, query the ingest functions' log groups with CloudWatch Logs Insights:\n" +
        '  filter message = "delivery refused" | fields @timestamp, vendor, reason, requestId\n' +
        '  | sort @timestamp desc\n' +
        '(the request id is the apigw-requestid header of the answer).';
  return (
    'The answer never says why; ingest logs the reason code (invalid_signature, ' +
    `missing_authorization, ip_not_allowed, …). ${where}\n` +
    'To test a body and its headers against the configured credentials directly: ' +
    'npx kyc-webhooks verify <vendor> <file> --header "name: value"'
  );
}
