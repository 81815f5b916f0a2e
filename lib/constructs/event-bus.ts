import { Duration, Stack } from 'aws-cdk-lib';
import type { Archive } from 'aws-cdk-lib/aws-events';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';

export interface KycEventBusProps {
  /** Name downstream rules target, so it is fixed rather than generated. @default 'kyc-webhooks' */
  readonly eventBusName?: string;
  /** Days the archive keeps events for replay; 0 keeps them forever. */
  readonly archiveRetentionDays: number;
}

/** The custom bus consumers subscribe to, with an archive so any window can be replayed. */
export class KycEventBus extends Construct {
  readonly bus: EventBus;
  readonly archive: Archive;

  constructor(scope: Construct, id: string, props: KycEventBusProps) {
    super(scope, id);
    this.bus = new EventBus(this, 'Bus', { eventBusName: props.eventBusName ?? 'kyc-webhooks' });
    this.archive = this.bus.archive('Archive', {
      description: 'Every event published on the KYC webhooks bus, for replay',
      // An archive needs a pattern; every event on this bus is put by this account.
      eventPattern: { account: [Stack.of(this).account] },
      retention: Duration.days(props.archiveRetentionDays),
    });
  }
}
