import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { KycEvent } from '../../contract/types.js';
import {
  compilePattern,
  matchesPattern,
  parsePattern,
  type EventPattern,
} from '../../local/event-pattern.js';
import { PROJECT_ROOT } from '../../local/project-paths.js';

/** [what, pattern, event, matches]: every pattern also goes through `parsePattern` as JSON text. */
type Case = readonly [string, object, object, boolean];

function check(cases: readonly Case[]): void {
  it.each(cases)('%s', (_what, pattern, event, expected) => {
    expect(matchesPattern(parsePattern(JSON.stringify(pattern)), event)).toBe(expected);
  });
}

// Event Ruler's README sample event, which EventBridge's content-filtering examples are written for.
const EC2_SAMPLE = {
  version: '0',
  id: 'ddddd4-aaaa-7777-4444-345dd43cc333',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '012345679012',
  time: '2017-10-02T16:24:49Z',
  region: 'us-east-1',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000'],
  detail: {
    'c-count': 5,
    'd-count': 3,
    'x-limit': 301.8,
    'source-ip': '10.0.0.33',
    'instance-id': 'i-000000aaaaaa00000',
    state: 'running',
  },
};
const withDetail = (detail: object): object => ({
  ...EC2_SAMPLE,
  detail: { ...EC2_SAMPLE.detail, ...detail },
});

describe('documented examples', () => {
  // User guide, "Amazon EventBridge event patterns": the EC2 termination rule, match values,
  // field matching on null, nested value matching (Macie).
  describe('event patterns', () => {
    const ec2 = {
      source: 'aws.ec2',
      'detail-type': 'EC2 Instance State-change Notification',
      resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
      detail: { 'instance-id': 'i-1234567890abcdef0', state: 'terminated' },
    };
    const terminated = {
      source: ['aws.ec2'],
      'detail-type': ['EC2 Instance State-change Notification'],
      detail: { state: ['terminated'] },
    };
    const macie = {
      source: 'aws.macie',
      'detail-type': 'Macie Alert',
      detail: { 'risk-score': 80, tags: ['Custom_Alert', 'Insider'], trigger: { risk: 8 } },
    };
    const riskPattern = {
      source: ['aws.macie'],
      'detail-type': ['Macie Alert'],
      detail: { 'risk-score': [80], trigger: { risk: [8] } },
    };
    check([
      ['EC2 termination rule, terminated instance', terminated, ec2, true],
      [
        'EC2 termination rule, running instance',
        terminated,
        { ...ec2, detail: { state: 'running' } },
        false,
      ],
      ['source is aws.ec2 or aws.fargate', { source: ['aws.ec2', 'aws.fargate'] }, ec2, true],
      ['a field the event lacks', { detail: { 'instance-type': ['t3.micro'] } }, ec2, false],
      [
        'responseElements is null',
        { detail: { responseElements: [null] } },
        { detail: { responseElements: null } },
        true,
      ],
      ['risk score 80 and trigger risk 8', riskPattern, macie, true],
      [
        'risk score 79',
        riskPattern,
        { ...macie, detail: { ...macie.detail, 'risk-score': 79 } },
        false,
      ],
    ]);
  });

  // User guide, "Matching null values and empty strings": they are not interchangeable.
  describe('null values and empty strings', () => {
    const event = { detail: { eventVersion: '', responseElements: null } };
    check([
      ['empty string matches ""', { detail: { eventVersion: [''] } }, event, true],
      ['null matches null', { detail: { responseElements: [null] } }, event, true],
      ['null does not match ""', { detail: { eventVersion: [null] } }, event, false],
      ['"" does not match null', { detail: { responseElements: [''] } }, event, false],
    ]);
  });

  // User guide, "Arrays in event patterns"; Event Ruler README, "JSON Array Matching".
  describe('arrays', () => {
    const resources = {
      resources: [
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f',
      ],
    };
    const employees = {
      employees: [
        { firstName: 'John', lastName: 'Doe' },
        { firstName: 'Anna', lastName: 'Smith' },
        { firstName: 'Peter', lastName: 'Jones' },
      ],
    };
    const nested = {
      employees: [[employees.employees[0], employees.employees[1]], [employees.employees[2]]],
    };
    check([
      [
        'event array intersects the pattern array',
        resources,
        {
          resources: [
            'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate',
            'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
          ],
        },
        true,
      ],
      [
        'event array without a common value',
        resources,
        { resources: ['arn:aws:s3:::bucket'] },
        false,
      ],
      ['an object inside an array', { employees: { firstName: ['Anna'] } }, employees, true],
      ['objects inside nested arrays', { employees: { firstName: ['Anna'] } }, nested, true],
      [
        'fields from two array elements',
        { employees: { firstName: ['Anna'], lastName: ['Jones'] } },
        employees,
        false,
      ],
    ]);
  });

  // User guide, "Comparison operators for use in event patterns": the summary table, each row
  // with an event it matches and one it does not.
  describe('comparison operators table', () => {
    const rows: readonly [string, object, object, object][] = [
      [
        'And',
        { Location: ['New York'], Day: ['Monday'] },
        { Location: 'New York', Day: 'Monday' },
        { Location: 'New York', Day: 'Tuesday' },
      ],
      [
        'Anything-but',
        { state: [{ 'anything-but': 'initializing' }] },
        { state: 'running' },
        { state: 'initializing' },
      ],
      [
        'Anything-but (begins with)',
        { Region: [{ 'anything-but': { prefix: 'us-' } }] },
        { Region: 'eu-west-1' },
        { Region: 'us-east-1' },
      ],
      [
        'Anything-but (ends with)',
        { FileName: [{ 'anything-but': { suffix: '.png' } }] },
        { FileName: 'a.jpg' },
        { FileName: 'a.png' },
      ],
      [
        'Anything-but (ignore case)',
        { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] },
        { state: 'running' },
        { state: 'INITIALIZING' },
      ],
      [
        'Anything-but using a wildcard',
        { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] },
        { FilePath: '/usr/bin/x' },
        { FilePath: '/usr/lib/x' },
      ],
      [
        'Begins with',
        { Region: [{ prefix: 'us-' }] },
        { Region: 'us-east-1' },
        { Region: 'eu-west-1' },
      ],
      [
        'Begins with (ignore case)',
        { service: [{ prefix: { 'equals-ignore-case': 'eventb' } }] },
        { service: 'EventBridge' },
        { service: 'Lambda' },
      ],
      ['Empty', { LastName: [''] }, { LastName: '' }, { LastName: 'Doe' }],
      ['Equals', { Name: ['Alice'] }, { Name: 'Alice' }, { Name: 'alice' }],
      [
        'Equals (ignore case)',
        { Name: [{ 'equals-ignore-case': 'alice' }] },
        { Name: 'ALICE' },
        { Name: 'Bob' },
      ],
      [
        'Ends with',
        { FileName: [{ suffix: '.png' }] },
        { FileName: 'photo.png' },
        { FileName: 'photo.PNG' },
      ],
      [
        'Ends with (ignore case)',
        { service: [{ suffix: { 'equals-ignore-case': 'tBridge' } }] },
        { service: 'EVENTBRIDGE' },
        { service: 'Lambda' },
      ],
      ['Exists', { ProductName: [{ exists: true }] }, { ProductName: 'Widget' }, { Price: 1 }],
      [
        'Does not exist',
        { ProductName: [{ exists: false }] },
        { Price: 1 },
        { ProductName: 'Widget' },
      ],
      [
        'Not',
        { Weather: [{ 'anything-but': ['Raining'] }] },
        { Weather: 'Sunny' },
        { Weather: 'Raining' },
      ],
      ['Null', { UserID: [null] }, { UserID: null }, { UserID: 'u1' }],
      ['Numeric (equals)', { Price: [{ numeric: ['=', 100] }] }, { Price: 100 }, { Price: 101 }],
      [
        'Numeric (range)',
        { Price: [{ numeric: ['>', 10, '<=', 20] }] },
        { Price: 20 },
        { Price: 10 },
      ],
      [
        'Or',
        { PaymentType: ['Credit', 'Debit'] },
        { PaymentType: 'Debit' },
        { PaymentType: 'Cash' },
      ],
      [
        'Or (multiple fields)',
        { $or: [{ Location: ['New York'] }, { Day: ['Monday'] }] },
        { Location: 'Paris', Day: 'Monday' },
        { Location: 'Paris', Day: 'Friday' },
      ],
      [
        'Wildcard',
        { FileName: [{ wildcard: 'dir/*.png' }] },
        { FileName: 'dir/image.png' },
        { FileName: 'other/image.png' },
      ],
    ];
    check(
      rows.flatMap(([name, pattern, yes, no]): Case[] => [
        [`${name}: matches`, pattern, yes, true],
        [`${name}: does not match`, pattern, no, false],
      ]),
    );
  });

  // User guide, "Content filtering in event patterns" (prefix, anything-but, numeric, IP address,
  // exists, complex example) and Event Ruler's README for the list forms of anything-but.
  describe('content filtering', () => {
    const numeric = {
      detail: {
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ numeric: ['=', 3.018e2] }],
      },
    };
    const complex = {
      time: [{ prefix: '2017-10-02' }],
      detail: {
        state: [{ 'anything-but': 'initializing' }],
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ 'anything-but': [100, 200, 300] }],
        'source-ip': [{ cidr: '10.0.0.0/8' }],
      },
    };
    const notInit = { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } };
    const notStopped = { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } };
    const noCount = { detail: { 'c-count': [{ exists: false }] } };
    check([
      ['prefix 2017-10-02', { time: [{ prefix: '2017-10-02' }] }, EC2_SAMPLE, true],
      ['prefix 2017-10-03', { time: [{ prefix: '2017-10-03' }] }, EC2_SAMPLE, false],
      [
        'suffix ignoring case',
        { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] },
        { FileName: 'A.PNG' },
        true,
      ],
      [
        'anything-but a number',
        { detail: { 'x-limit': [{ 'anything-but': 123 }] } },
        EC2_SAMPLE,
        true,
      ],
      ['anything-but a list of strings', notStopped, EC2_SAMPLE, true],
      [
        'anything-but a list of strings, excluded',
        notStopped,
        withDetail({ state: 'stopped' }),
        false,
      ],
      [
        'anything-but a list of numbers',
        { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } },
        EC2_SAMPLE,
        true,
      ],
      [
        'anything-but a list of numbers, excluded',
        { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } },
        withDetail({ 'x-limit': 200 }),
        false,
      ],
      ['anything-but prefix init', notInit, EC2_SAMPLE, true],
      ['anything-but prefix init, excluded', notInit, withDetail({ state: 'initializing' }), false],
      [
        'anything-but prefix list',
        { detail: { state: [{ 'anything-but': { prefix: ['init', 'error'] } }] } },
        withDetail({ state: 'error-x' }),
        false,
      ],
      [
        'anything-but suffix list',
        { detail: { 'instance-id': [{ 'anything-but': { suffix: ['1234', '6789'] } }] } },
        EC2_SAMPLE,
        true,
      ],
      [
        'anything-but ignore-case list',
        {
          detail: {
            state: [{ 'anything-but': { 'equals-ignore-case': ['Stopped', 'OverLoaded'] } }],
          },
        },
        withDetail({ state: 'STOPPED' }),
        false,
      ],
      [
        'anything-but wildcard list',
        { detail: { state: [{ 'anything-but': { wildcard: ['*/bin/*.jar', '*/bin/*.class'] } }] } },
        withDetail({ state: 'a/bin/b.class' }),
        false,
      ],
      ['numeric comparisons, all true', numeric, EC2_SAMPLE, true],
      ['numeric comparisons, c-count out of range', numeric, withDetail({ 'c-count': 6 }), false],
      [
        'cidr 10.0.0.0/24',
        { detail: { 'source-ip': [{ cidr: '10.0.0.0/24' }] } },
        EC2_SAMPLE,
        true,
      ],
      [
        'cidr 10.0.0.0/24, outside',
        { detail: { 'source-ip': [{ cidr: '10.0.0.0/24' }] } },
        withDetail({ 'source-ip': '10.0.1.1' }),
        false,
      ],
      ['exists true', { detail: { 'c-count': [{ exists: true }] } }, EC2_SAMPLE, true],
      [
        'exists false, field absent',
        noCount,
        { detail: { state: ['initializing', 'running'] } },
        true,
      ],
      ['exists false, not a leaf', noCount, { detail: { 'c-count': { c1: 100 } } }, true],
      ['exists false, field present', noCount, EC2_SAMPLE, false],
      ['complex example', complex, EC2_SAMPLE, true],
      ['complex example, excluded x-limit', complex, withDetail({ 'x-limit': 300 }), false],
    ]);
  });

  // Event Ruler README, "The $or Primitive" (EventBridge's `$or` section uses the same examples).
  describe('$or', () => {
    const sourceAndOr = {
      source: ['aws.cloudwatch'],
      $or: [
        { metricName: ['CPUUtilization', 'ReadLatency'] },
        { namespace: ['AWS/EC2', 'AWS/ES'] },
      ],
    };
    const orInDetail = {
      detail: {
        $or: [
          { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] },
          { 'd-count': [{ numeric: ['<', 10] }] },
          { 'x-limit': [{ numeric: ['=', 3.018e2] }] },
        ],
      },
    };
    const nested = {
      source: ['aws.cloudwatch'],
      $or: [
        { metricName: ['CPUUtilization', 'ReadLatency'] },
        {
          metricType: ['MetricType'],
          namespace: ['AWS/EC2', 'AWS/ES'],
          $or: [{ metricId: [1234] }, { spaceId: [1000] }],
        },
        { scope: ['Service'] },
      ],
    };
    check([
      [
        'source and (metricName or namespace)',
        sourceAndOr,
        { source: 'aws.cloudwatch', namespace: 'AWS/EC2' },
        true,
      ],
      [
        'neither branch',
        sourceAndOr,
        { source: 'aws.cloudwatch', metricName: 'Other', namespace: 'AWS/RDS' },
        false,
      ],
      ['the AND still holds', sourceAndOr, { source: 'aws.ec2', namespace: 'AWS/EC2' }, false],
      ['$or inside detail', orInDetail, { detail: { 'c-count': 10, 'd-count': 3 } }, true],
      [
        '$or inside detail, no branch',
        orInDetail,
        { detail: { 'c-count': 10, 'd-count': 20, 'x-limit': 1 } },
        false,
      ],
      [
        'nested $or and AND',
        nested,
        { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/ES', spaceId: 1000 },
        true,
      ],
      [
        'nested $or, inner OR fails',
        nested,
        { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/ES' },
        false,
      ],
    ]);
  });

  // AWS Compute Blog, "Filtering events in Amazon EventBridge with wildcard pattern matching";
  // Event Ruler README, "Wildcard matching" (escapes).
  describe('wildcard', () => {
    check([
      ['*.png', { key: [{ wildcard: '*.png' }] }, { key: 'a/b/photo.png' }, true],
      ['*Title* in the middle', { key: [{ wildcard: '*Title*' }] }, { key: 'My Title Here' }, true],
      ['*Title* absent', { key: [{ wildcard: '*Title*' }] }, { key: 'My title here' }, false],
      [
        'Simple*Service',
        { source: [{ wildcard: 'Simple*Service' }] },
        { source: 'SimpleQueueService' },
        true,
      ],
      ['an escaped star is a star', { key: [{ wildcard: 'a\\*b' }] }, { key: 'a*b' }, true],
      [
        'an escaped star is not a wildcard',
        { key: [{ wildcard: 'a\\*b' }] },
        { key: 'axb' },
        false,
      ],
      ['an escaped backslash', { key: [{ wildcard: 'a\\\\*' }] }, { key: 'a\\tail' }, true],
    ]);
  });
});

// Not documented examples: the edges a local matcher is most likely to get wrong.
describe('edge cases', () => {
  const anythingButs = [
    ['value', 'x'],
    ['list', ['x', 'y']],
    ['prefix', { prefix: 'x' }],
    ['suffix', { suffix: 'x' }],
    ['equals-ignore-case', { 'equals-ignore-case': 'x' }],
    ['wildcard', { wildcard: 'x*' }],
  ] as const;
  check([
    ...anythingButs.map(([name, operand]): Case => [
      `anything-but ${name} needs the field`,
      { detail: { state: [{ 'anything-but': operand }] } },
      { detail: {} },
      false,
    ]),
    [
      'anything-but on an object value',
      { state: [{ 'anything-but': 'x' }] },
      { state: { a: 1 } },
      false,
    ],
    [
      'anything-but a string passes a number',
      { state: [{ 'anything-but': 'x' }] },
      { state: 5 },
      true,
    ],
    [
      'anything-but a string passes null',
      { state: [{ 'anything-but': 'x' }] },
      { state: null },
      true,
    ],
    [
      'anything-but prefix passes a number',
      { state: [{ 'anything-but': { prefix: 'x' } }] },
      { state: 5 },
      true,
    ],
    [
      'anything-but: one other array element is enough',
      { state: [{ 'anything-but': 'x' }] },
      { state: ['x', 'y'] },
      true,
    ],
    [
      'anything-but: every element excluded',
      { state: [{ 'anything-but': 'x' }] },
      { state: ['x', 'x'] },
      false,
    ],
    ['"5" is not 5', { n: ['5'] }, { n: 5 }, false],
    ['5 is not "5"', { n: [5] }, { n: '5' }, false],
    ['true is the boolean', { b: [true] }, { b: true }, true],
    ['"true" is not the boolean', { b: ['true'] }, { b: true }, false],
    ['prefix ignores numbers', { n: [{ prefix: '5' }] }, { n: 5 }, false],
    ['numeric ignores strings', { n: [{ numeric: ['>', 0] }] }, { n: '5' }, false],
    ['numeric >=', { n: [{ numeric: ['>=', 5] }] }, { n: 5 }, true],
    ['numeric <', { n: [{ numeric: ['<', 5] }] }, { n: 5 }, false],
    ['numeric, any array element', { n: [{ numeric: ['<', 5] }] }, { n: [9, 1] }, true],
    ['exists true on null', { n: [{ exists: true }] }, { n: null }, true],
    ['exists true on an empty array', { n: [{ exists: true }] }, { n: [] }, false],
    ['exists true on an object', { n: [{ exists: true }] }, { n: { a: 1 } }, false],
    ['exists false under a missing parent', { detail: { n: [{ exists: false }] } }, {}, true],
    ['a missing parent fails an exact match', { detail: { n: ['x'] } }, {}, false],
    ['a scalar where the pattern nests', { detail: { n: ['x'] } }, { detail: 'x' }, false],
    [
      'values from several rules in one list',
      { n: ['a', { prefix: 'b' }, { numeric: ['>', 9] }] },
      { n: 10 },
      true,
    ],
    ['ignore-case on a number', { n: [{ 'equals-ignore-case': '5' }] }, { n: 5 }, false],
    ['catch-all prefix ""', { source: [{ prefix: '' }] }, { source: 'kyc.treezor' }, true],
    ['wildcard dots are literal', { k: [{ wildcard: 'a.c' }] }, { k: 'abc' }, false],
    ['wildcard crosses slashes and lines', { k: [{ wildcard: 'a*z' }] }, { k: 'a/\nz' }, true],
    ['wildcard * matches the empty string', { k: [{ wildcard: '*' }] }, { k: '' }, true],
    ['cidr on IPv6', { ip: [{ cidr: '2001:db8::/32' }] }, { ip: '2001:0db8::1' }, true],
    ['cidr IPv4 range, IPv6 value', { ip: [{ cidr: '10.0.0.0/8' }] }, { ip: '::1' }, false],
    ['cidr on a non-address', { ip: [{ cidr: '10.0.0.0/8' }] }, { ip: '10.0.0.x' }, false],
    ['no prototype fields', { constructor: ['x'] }, {}, false],
    ['an own field named like a prototype one', { constructor: ['x'] }, { constructor: 'x' }, true],
  ]);

  it('compiles once and tests many events', () => {
    const test = compilePattern({ source: [{ prefix: 'kyc.' }] });
    expect([{ source: 'kyc.ondato' }, { source: 'aws.ec2' }].map(test)).toEqual([true, false]);
  });
});

describe('invalid patterns', () => {
  const invalid: readonly [string, RegExp][] = [
    ['{', /not valid JSON/],
    ['[]', /top level: must be a JSON object/],
    ['{}', /top level: empty objects/],
    ['{"source": "aws.ec2"}', /at source: must be an array/],
    ['{"source": []}', /at source: empty arrays/],
    ['{"detail": {}}', /at detail: empty objects/],
    ['{"source": [["a"]]}', /at source\[0\]: a match value is/],
    ['{"source": [{"contains": "x"}]}', /at source\[0\]\.contains: unknown operator/],
    ['{"source": [{}]}', /at source\[0\]: needs exactly one operator/],
    ['{"source": [{"prefix": "a", "suffix": "b"}]}', /exactly one operator/],
    ['{"source": [{"prefix": 1}]}', /at source\[0\]\.prefix: must be a string/],
    ['{"source": [{"prefix": {"wildcard": "a"}}]}', /prefix\.wildcard: takes a string/],
    ['{"n": [{"numeric": "5"}]}', /at n\[0\]\.numeric: must be \[operator, number\]/],
    ['{"n": [{"numeric": ["<"]}]}', /at n\[0\]\.numeric: must be/],
    ['{"n": [{"numeric": ["<", "10"]}]}', /the value after "<" must be a number/],
    ['{"n": [{"numeric": ["~", 1]}]}', /unknown comparison "~"/],
    ['{"n": [{"numeric": [">", 5, "<", 1]}]}', /lower bound must be below the upper bound/],
    ['{"n": [{"numeric": ["<", 1, ">", 0]}]}', /a range is/],
    ['{"n": [{"numeric": ["=", 1, "<", 2]}]}', /a range is/],
    ['{"n": [{"numeric": [">", 0, "<=", 5, 6]}]}', /must be \[operator, number\]/],
    ['{"s": [{"anything-but": []}]}', /at s\[0\]\.anything-but: takes a string, a number, a list/],
    ['{"s": [{"anything-but": ["a", 1]}]}', /a list of strings or of numbers/],
    ['{"s": [{"anything-but": null}]}', /anything-but: takes/],
    ['{"s": [{"anything-but": true}]}', /anything-but: takes/],
    ['{"s": [{"anything-but": {"contains": "a"}}]}', /anything-but\.contains: anything-but takes/],
    ['{"s": [{"anything-but": {"prefix": ""}}]}', /anything-but\.prefix: an empty prefix/],
    [
      '{"s": [{"anything-but": {"suffix": ["a", 1]}}]}',
      /anything-but\.suffix\[1\]: must be a string/,
    ],
    ['{"s": [{"anything-but": {"wildcard": "a**"}}]}', /consecutive wildcard/],
    ['{"s": [{"anything-but": {"prefix": "a", "suffix": "b"}}]}', /exactly one operator/],
    ['{"s": [{"exists": "true"}]}', /at s\[0\]\.exists: must be true or false/],
    ['{"s": [{"equals-ignore-case": 5}]}', /equals-ignore-case: must be a string/],
    ['{"s": [{"wildcard": "a**b"}]}', /at s\[0\]\.wildcard: consecutive wildcard/],
    ['{"s": [{"wildcard": "a\\\\b"}]}', /a backslash may only escape/],
    ['{"s": [{"wildcard": "a\\\\"}]}', /a backslash may only escape/],
    ['{"ip": [{"cidr": "10.0.0.0"}]}', /at ip\[0\]\.cidr: must be an IPv4 or IPv6 range/],
    ['{"ip": [{"cidr": "10.0.0.0/33"}]}', /must be an IPv4 or IPv6 range/],
    ['{"ip": [{"cidr": "host/8"}]}', /must be an IPv4 or IPv6 range/],
    ['{"ip": [{"cidr": 10}]}', /must be an IPv4 or IPv6 range/],
    ['{"$or": {"a": ["b"]}}', /at \$or: must be an array of at least two objects/],
    ['{"$or": [{"a": ["b"]}]}', /at \$or: must be an array of at least two/],
    ['{"$or": [{"a": ["b"]}, "c"]}', /at \$or\[1\]: must be a JSON object/],
    ['{"$or": [{"prefix": ["a"]}, {"b": ["c"]}]}', /at \$or\[0\]\.prefix: "prefix" is an operator/],
    [
      '{"detail": {"$or": [{"a": ["b"]}, {"c": {"d": [{"numeric": ["<"]}]}}]}}',
      /at detail\.\$or\[1\]\.c\.d\[0\]\.numeric/,
    ],
  ];
  it.each(invalid)('%s', (text, message) => {
    expect(() => parsePattern(text)).toThrow(message);
  });

  it('matchesPattern refuses an invalid pattern rather than matching nothing', () => {
    expect(() => matchesPattern({ source: 'kyc.ondato' }, { source: 'kyc.ondato' })).toThrow(
      /at source/,
    );
  });
});

/**
 * The rules README.md tells consumers to write ("Rules consumers write"), read from the README so
 * this suite fails when they change, keyed by the first line of the comment above each.
 */
function readmeRules(): ReadonlyMap<string, EventPattern> {
  const readme = readFileSync(resolve(PROJECT_ROOT, 'README.md'), 'utf8');
  const block = /Rules consumers write:\s*```jsonc\n([\s\S]*?)```/.exec(readme)?.[1];
  if (block === undefined) throw new Error('README.md has no "Rules consumers write" jsonc block');
  const rules = new Map<string, EventPattern>();
  for (const chunk of block.trim().split(/\n\s*\n/)) {
    const lines = chunk.split('\n');
    const comment = lines.find((line) => line.startsWith('//')) ?? '';
    const json = lines.filter((line) => !line.trimStart().startsWith('//')).join('\n');
    rules.set(comment.replace(/^\/\/\s*/, ''), parsePattern(json));
  }
  return rules;
}

describe("the README's consumer rules, on events shaped like the contract", () => {
  const rules = readmeRules();
  const rule = (start: string): EventPattern => {
    const found = [...rules].find(([comment]) => comment.startsWith(start));
    if (found === undefined) throw new Error(`README.md has no rule "${start}…"`);
    return found[1];
  };
  const approval: KycEvent = {
    version: '0',
    id: '4b1f3c2e-0000-4000-8000-000000000001',
    'detail-type': 'KYC Verification Updated',
    source: 'kyc.treezor',
    account: '123456789012',
    time: '2026-11-02T10:15:00Z',
    region: 'eu-west-3',
    resources: [],
    detail: {
      schemaVersion: '1',
      eventId: 'treezor:evt-1',
      vendor: 'treezor',
      vendorEventType: 'user.kycreview',
      subject: { kind: 'user', id: '1XXXXXX' },
      status: 'approved',
      scope: 'verification',
      vendorStatus: 'kycReview=VALIDATED',
      previousStatus: 'in_review',
      outOfOrder: false,
      occurredAt: '2026-11-02T10:15:00.000Z',
      receivedAt: '2026-11-02T10:15:01.250Z',
    },
  };
  const variant = (
    event: Partial<KycEvent>,
    detail: Partial<KycEvent['detail']> = {},
  ): KycEvent => ({
    ...approval,
    ...event,
    detail: { ...approval.detail, ...detail },
  });
  const { scope: _scope, ...detailWithoutScope } = approval.detail;
  const documentApproval = variant(
    { 'detail-type': 'KYC Document Updated' },
    {
      scope: 'step',
      subject: { kind: 'document', id: '8XXXX', parent: { kind: 'user', id: '1XXXXXX' } },
    },
  );

  it('are the three rules the README shows, each a valid pattern', () => {
    expect(rules.size).toBe(3);
  });

  it.each<[string, KycEvent, boolean]>([
    ['a verification approval', approval, true],
    [
      'an approval from another vendor',
      variant({ source: 'kyc.ondato' }, { vendor: 'ondato' }),
      true,
    ],
    ['an out-of-order approval', variant({}, { outOfOrder: true }), false],
    ["a document's approval (scope step)", documentApproval, false],
    ['a scope-other approval', variant({}, { scope: 'other' }), false],
    [
      'an archived approval published before scope existed',
      { ...approval, detail: detailWithoutScope },
      false,
    ],
    ['a rejection', variant({}, { status: 'rejected' }), false],
    ['a source outside kyc.', variant({ source: 'acme.treezor' }), false],
  ])('every approval: %s', (_what, event, expected) => {
    expect(matchesPattern(rule('Every approval'), event)).toBe(expected);
  });

  it.each<[string, KycEvent, boolean]>([
    ['treezor', approval, true],
    ['ondato', variant({ source: 'kyc.ondato' }, { vendor: 'ondato' }), false],
  ])('one vendor: %s', (_what, event, expected) => {
    expect(matchesPattern(rule('Everything from one vendor'), event)).toBe(expected);
  });

  it.each<[string, KycEvent, boolean]>([
    ['a verification update in order', approval, true],
    ['an out-of-order verification update', variant({}, { outOfOrder: true }), false],
    ['a document update', documentApproval, false],
  ])('verification updates: %s', (_what, event, expected) => {
    expect(matchesPattern(rule('Verification updates'), event)).toBe(expected);
  });
});
