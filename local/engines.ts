import { createServer, type Server } from 'node:http';
import { createRequestHandler } from 'local-aws-sqs';
import { LOCAL_REGION, type LocalEndpoints } from './clients.js';
import { startDynamoDbLocal } from './dynamodb-local.js';
import { startPutEventsServer, type PutEventsServerOptions } from './put-events-server.js';
import { closeServer, listenOnLoopback, LOOPBACK, loopbackUrl } from './servers.js';

/**
 * The local stand-ins for DynamoDB, SQS and EventBridge, speaking the AWS wire protocols: AWS's
 * own DynamoDB Local (a Java child process, see dynamodb-local.ts), and in-process servers on
 * loopback for the others. State lives in memory and ends with the process.
 */

/** The PutEvents stand-in's events file and listener are passed to it as they are. */
export interface EngineOptions extends Omit<PutEventsServerOptions, 'port'> {
  /**
   * DynamoDB Local: the port to start it on (`0` picks a free one), or the endpoint of one
   * already running, which these engines then use and leave running (the tests start one for
   * the whole run: its start takes seconds, and tables keep tests apart).
   */
  readonly dynamodb: { readonly port: number } | { readonly endpoint: string };
  readonly sqsPort: number;
  readonly eventBridgePort: number;
}

export interface Engines {
  readonly endpoints: LocalEndpoints;
  /** Stops all three; safe to call once the clients using them are done. */
  stop(): Promise<void>;
}

export async function startEngines(options: EngineOptions): Promise<Engines> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async (): Promise<void> => {
    const results = await Promise.allSettled(stops.map((close) => close()));
    const failure = results.find((result) => result.status === 'rejected');
    if (failure) throw failure.reason;
  };
  try {
    let dynamodb: string;
    if ('endpoint' in options.dynamodb) {
      dynamodb = options.dynamodb.endpoint;
    } else {
      const engine = await startDynamoDbLocal({ port: options.dynamodb.port });
      stops.push(() => engine.stop());
      dynamodb = engine.endpoint;
    }

    const sqs = await startSqs(options.sqsPort);
    stops.push(() => closeServer(sqs.server, true));

    const events = await startPutEventsServer({
      port: options.eventBridgePort,
      eventsFile: options.eventsFile,
      ...(options.onEvent && { onEvent: options.onEvent }),
    });
    stops.push(() => events.close());

    return {
      endpoints: {
        dynamodb,
        sqs: loopbackUrl(sqs.port),
        eventBridge: loopbackUrl(events.port),
      },
      stop,
    };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

/**
 * local-aws-sqs's own `createSqsServer` leaves a busy port as an unhandled error, so its request
 * handler is mounted on a server started like the others. Queue URLs are built from the
 * service's port, which is only known once listening.
 */
async function startSqs(port: number): Promise<{ server: Server; port: number }> {
  const { service, requestHandler } = createRequestHandler({
    port,
    hostname: LOOPBACK,
    region: LOCAL_REGION,
    // Queues are created at every start; AWS's 60 s wait after a deletion has no use here.
    emulateQueueCreationLifecycle: false,
  });
  const server = createServer((request, response) => void requestHandler(request, response));
  service.PORT = await listenOnLoopback(server, port, 'SQS (local-aws-sqs)');
  return { server, port: service.PORT };
}
