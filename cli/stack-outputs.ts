import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { readFile } from 'node:fs/promises';
import { CliError } from './errors.js';

/**
 * A deployed stack's outputs (keys as `lib/outputs.ts` names them), from wherever they can be
 * read.
 */
export interface StackOutputSource {
  readonly description: string;
  read(stackName: string): Promise<Readonly<Record<string, string>>>;
}

/** The JSON `npx cdk deploy --outputs-file FILE` writes: `{"<stack>": {"<output>": "<value>"}}`. */
export class OutputsFileSource implements StackOutputSource {
  constructor(private readonly file: string) {}

  get description(): string {
    return this.file;
  }

  async read(stackName: string): Promise<Readonly<Record<string, string>>> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(this.file, 'utf8'));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new CliError(
        code === 'ENOENT'
          ? `No outputs file at ${this.file}. Write it with: npx cdk deploy --outputs-file ${this.file}`
          : `${this.file} is not the JSON cdk deploy --outputs-file writes`,
      );
    }
    const stacks = isRecord(parsed) ? parsed : {};
    const outputs = stacks[stackName];
    if (!isRecord(outputs)) {
      const names = Object.keys(stacks);
      throw new CliError(
        `${this.file} has no outputs for stack ${stackName}` +
          (names.length > 0 ? `; it has ${names.join(', ')} (choose one with --stack)` : ''),
      );
    }
    return Object.fromEntries(
      Object.entries(outputs).filter(
        (entry): entry is [string, string] => typeof entry[1] === 'string',
      ),
    );
  }

  /** The only stack in the file, so `--outputs` alone is enough in the usual case. */
  async onlyStack(): Promise<string | undefined> {
    try {
      const parsed: unknown = JSON.parse(await readFile(this.file, 'utf8'));
      const names = isRecord(parsed) ? Object.keys(parsed) : [];
      return names.length === 1 ? names[0] : undefined;
    } catch {
      return undefined; // `read` reports the problem with the file.
    }
  }
}

/** The deployed stack's outputs from CloudFormation `DescribeStacks`. */
export class CloudFormationOutputSource implements StackOutputSource {
  constructor(private readonly config: { region?: string; profile?: string }) {}

  readonly description = 'CloudFormation DescribeStacks';

  async read(stackName: string): Promise<Readonly<Record<string, string>>> {
    const client = new CloudFormationClient(this.config);
    try {
      const { Stacks = [] } = await client.send(
        new DescribeStacksCommand({ StackName: stackName }),
      );
      const entries: [string, string][] = [];
      for (const { OutputKey, OutputValue } of Stacks[0]?.Outputs ?? []) {
        if (OutputKey !== undefined && OutputValue !== undefined)
          entries.push([OutputKey, OutputValue]);
      }
      return Object.fromEntries(entries);
    } finally {
      client.destroy();
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
