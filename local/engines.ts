import { createServer, type Server } from 'node:http';
import dynalite from 'dynalite';
import { createRequestHandler } from 'local-aws-sqs';
import { LOCAL_REGION, type LocalEndpoints } from './clients.js';
import { startPutEventsServer, type PublishedEvent } from './put-events-server.js';
import { closeServer, listenOnLoopback, LOOPBACK, loopbackUrl } from './servers.js';

/**
 * The local stand-ins for DynamoDB, SQS and EventBridge: in-process servers speaking the AWS
 * wire protocols, on loopback. State lives in memory and ends with the process.
 */

export interface EngineOptions {
  /** `0` picks a free port. */
  readonly dynamodbPort: number;
  readonly sqsPort: number;
  readonly eventBridgePort: number;
  readonly eventsFile: string;
  readonly onEvent?: (event: PublishedEvent) => void;
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
    // Tables become ACTIVE at once instead of after dynalite's default half second.
    const dynamo = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    const dynamodbPort = await listenOnLoopback(
      dynamo,
      options.dynamodbPort,
      'DynamoDB (dynalite)',
    );
    stops.push(() => closeServer(dynamo, true));

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
        dynamodb: loopbackUrl(dynamodbPort),
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
