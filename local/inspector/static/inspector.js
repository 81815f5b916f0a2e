/* global document, fetch, setTimeout, EventSource, Node, URLSearchParams */
// The inspector page: plain DOM, no framework, no build. Everything shown comes from vendors or
// operators, so it is written with textContent only: a hostile body can never become markup.

const EVENTS_KEPT = 500;
const POLL_MS = 1000;

const byId = (id) => document.getElementById(id);

/** An element with text or child nodes; attributes set as properties, never parsed as HTML. */
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  for (const child of children) {
    node.append(child instanceof Node ? child : document.createTextNode(String(child ?? '')));
  }
  return node;
}

function parseJson(text) {
  try {
    const value = JSON.parse(text);
    return value !== null && typeof value === 'object' ? value : {};
  } catch {
    return {};
  }
}

async function getJson(path) {
  const response = await fetch(path, { headers: { accept: 'application/json' } });
  const body = await response.json();
  if (!response.ok) throw new Error(body.message ?? `HTTP ${response.status}`);
  return body;
}

async function postJson(path, body) {
  const response = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = await response.json();
  if (!response.ok) throw new Error(answer.message ?? `HTTP ${response.status}`);
  return answer;
}

// ---- live events -------------------------------------------------------------------------

const eventsBody = byId('events').tBodies[0];

function subjectText(subject) {
  return subject ? `${subject.kind ?? '?'} ${subject.id ?? '?'}` : '';
}

function eventRow(line) {
  const detail = parseJson(line.Detail);
  const vendor = String(line.Source ?? '').replace(/^kyc\./, '');
  const subject = detail.subject && typeof detail.subject === 'object' ? detail.subject : undefined;
  const open = el(
    'button',
    { type: 'button', className: 'link' },
    detail.eventId ?? '(no eventId)',
  );
  open.addEventListener('click', () => {
    for (const row of eventsBody.querySelectorAll('tr.selected')) row.classList.remove('selected');
    open.closest('tr').classList.add('selected');
    if (subject) showSubject(vendor, String(subject.kind), String(subject.id));
  });
  const status =
    `${detail.previousStatus ?? '∅'} → ${detail.status ?? '?'}` +
    (detail.revision ? ` (revision ${detail.revision})` : '');
  return el(
    'tr',
    { className: 'fresh' },
    el('td', {}, line.Time ?? ''),
    el('td', {}, line.Source ?? ''),
    el('td', {}, line.DetailType ?? ''),
    el('td', {}, subjectText(subject)),
    el('td', { className: detail.outOfOrder ? 'out-of-order' : '' }, status),
    el('td', {}, open),
  );
}

function followEvents() {
  const state = byId('stream-state');
  const stream = new EventSource('/inspector/events');
  stream.addEventListener('open', () => {
    // The server sends the whole events file again on each connection.
    eventsBody.replaceChildren();
    byId('events-empty').hidden = false;
    state.textContent = 'Live: new events appear as they are published.';
  });
  stream.addEventListener('message', (message) => {
    eventsBody.prepend(eventRow(parseJson(message.data)));
    byId('events-empty').hidden = true;
    while (eventsBody.rows.length > EVENTS_KEPT) eventsBody.lastElementChild.remove();
  });
  stream.addEventListener('error', () => {
    state.textContent = 'Event stream interrupted (is npm start running?); reconnecting…';
  });
}

// ---- subject history and replay ----------------------------------------------------------

/** The lookup shown last, run again after a replay. */
let shownLookup = () => Promise.resolve();

/** Shows what `read` answers (a list of subjects) in the subject section. */
async function showSubjects(what, read) {
  shownLookup = () => showSubjects(what, read);
  const target = byId('subject');
  target.replaceChildren(el('p', {}, `Reading ${what}…`));
  try {
    const subjects = await read();
    target.replaceChildren(
      ...(subjects.length > 0
        ? subjects.flatMap(subjectView)
        : [el('p', {}, `No stored events for ${what}.`)]),
    );
  } catch (error) {
    target.replaceChildren(
      el('p', { className: 'refused' }, `Could not read it: ${error.message}`),
    );
  }
}

function showSubject(vendor, kind, id) {
  const form = byId('subject-form');
  form.elements.vendor.value = vendor;
  form.elements.kind.value = kind;
  form.elements.id.value = id;
  return showSubjects(`${vendor} ${kind} ${id}`, async () => {
    const query = new URLSearchParams({ vendor, kind, id });
    const { subject } = await getJson(`/inspector/subject?${query}`);
    return subject ? [subject] : [];
  });
}

function showReference(vendor, reference) {
  return showSubjects(`${vendor} reference ${reference}`, async () => {
    const query = new URLSearchParams({ vendor, reference });
    return (await getJson(`/inspector/subjects?${query}`)).subjects;
  });
}

function subjectView({ subjectKey, state, events }) {
  const summary = state
    ? `current state: ${state.status} (previous ${state.previousStatus ?? 'none'}), vendor time ${state.occurredAt}, set by ${state.eventId}`
    : 'current state: none stored';
  const rows = events.map(({ detail, publishedAt }) => {
    const replay = el('button', { type: 'button' }, 'Replay');
    replay.addEventListener('click', () => replayEvent(detail.eventId));
    return el(
      'tr',
      {},
      el('td', {}, detail.occurredAt),
      el('td', {}, detail.receivedAt),
      el('td', {}, `${detail.previousStatus ?? '∅'} → ${detail.status}`),
      el(
        'td',
        { className: detail.outOfOrder ? 'out-of-order' : '' },
        detail.outOfOrder ? 'out of order' : '',
      ),
      el('td', {}, detail.vendorEventType),
      el('td', {}, detail.eventId),
      el('td', {}, publishedAt ?? 'not published'),
      el('td', {}, replay),
    );
  });
  const head = el(
    'tr',
    {},
    ...[
      'occurredAt (vendor)',
      'receivedAt',
      'status',
      '',
      'vendorEventType',
      'eventId',
      'published',
      '',
    ].map((title) => el('th', {}, title)),
  );
  return [
    el('p', {}, el('strong', {}, subjectKey)),
    el('p', {}, summary),
    el('table', { className: 'history' }, el('thead', {}, head), el('tbody', {}, ...rows)),
  ];
}

async function replayEvent(eventId) {
  const result = byId('replay-result');
  result.textContent = `Replaying ${eventId}…`;
  try {
    const answer = await postJson('/inspector/replay', { eventId });
    const notes = answer.notes?.length ? `: ${answer.notes.join('; ')}` : '';
    const changed = answer.changes?.length
      ? ` (changed: ${answer.changes.map((c) => c.field).join(', ')})`
      : '';
    result.textContent = `${answer.eventId} ${answer.outcome.replace('_', ' ')}${changed}${notes}`;
    await shownLookup();
  } catch (error) {
    result.textContent = `Replay of ${eventId} failed: ${error.message}`;
  }
}

byId('subject-form').addEventListener('submit', (submit) => {
  submit.preventDefault();
  const { vendor, kind, id } = submit.target.elements;
  showSubject(vendor.value.trim(), kind.value.trim(), id.value.trim());
});

byId('reference-form').addEventListener('submit', (submit) => {
  submit.preventDefault();
  const { vendor, reference } = submit.target.elements;
  showReference(vendor.value.trim(), reference.value.trim());
});

// ---- refused deliveries ------------------------------------------------------------------

let shownDeliveries = '';

async function refreshDeliveries() {
  const { logged, deliveries } = await getJson('/inspector/deliveries');
  const text = JSON.stringify(deliveries);
  if (text !== shownDeliveries) {
    shownDeliveries = text;
    byId('deliveries').tBodies[0].replaceChildren(
      ...deliveries.map((d) =>
        el(
          'tr',
          {},
          el('td', {}, d.receivedAt),
          el('td', {}, d.vendor ?? '(unknown route)'),
          el('td', {}, d.route),
          el('td', { className: 'refused' }, `${d.status} ${d.result}`),
          el('td', { className: 'refused' }, d.reason ?? ''),
          el('td', {}, d.attempts),
          el('td', {}, d.sourceIp),
          el('td', {}, d.bodyBytes),
          el('td', {}, d.bodyRef ?? '(not kept)'),
        ),
      ),
    );
  }
  byId('deliveries-empty').textContent = !logged
    ? 'No delivery log yet.'
    : deliveries.length === 0
      ? 'No delivery refused.'
      : '';
}

// ---- dead-letter queue and redrive -------------------------------------------------------

function deadLetterText({ waiting, queue, destination, latestRedrive }) {
  const latest = latestRedrive
    ? ` Latest redrive: ${latestRedrive.status}, ${latestRedrive.moved} moved${latestRedrive.failureReason ? ` (${latestRedrive.failureReason})` : ''}.`
    : '';
  return `${waiting} message${waiting === 1 ? '' : 's'} in ${queue}${waiting > 0 ? `; a redrive moves them to ${destination ?? 'the queues they came from'}` : ''}.${latest}`;
}

/**
 * Listing the messages receives them (hiding them from anyone else a moment), so the page lists
 * them again only when the depth or the latest redrive changed, or after its own redrive.
 */
let listedFor;
const LETTERS_PATH = '/inspector/dead-letters/messages';

async function refreshDeadLetters() {
  const state = await getJson('/inspector/dead-letters');
  byId('dlq').textContent = deadLetterText(state);
  byId('redrive').disabled = state.waiting === 0;
  const key = JSON.stringify([state.waiting, state.latestRedrive]);
  if (key === listedFor) return;
  const { letters } = state.waiting === 0 ? { letters: [] } : await getJson(LETTERS_PATH);
  byId('dead-letters').tBodies[0].replaceChildren(...letters.map(deadLetterRow));
  listedFor = key;
}

function deadLetterRow(letter) {
  const redrive = el('button', { type: 'button' }, 'Redrive');
  redrive.addEventListener('click', () => redriveOne(letter.messageId, redrive));
  return el(
    'tr',
    {},
    el('td', {}, letter.messageId),
    el('td', {}, letter.vendor ?? '?'),
    el('td', {}, letter.receivedAt ?? '?'),
    el('td', {}, letter.dedupId ?? '(unreadable body)'),
    el('td', {}, letter.receiveCount),
    el(
      'td',
      { className: 'refused' },
      letter.note ? `${letter.note.reason} (${letter.note.errorName})` : 'no reason noted',
    ),
    el('td', {}, letter.note?.failedAt ?? ''),
    el('td', {}, redrive),
  );
}

async function redriveOne(messageId, button) {
  const result = byId('redrive-result');
  button.disabled = true;
  result.textContent = `Redriving ${messageId}…`;
  try {
    const { moved, notDeleted } = await postJson('/inspector/redrive', { messageId });
    result.textContent =
      moved.length > 0
        ? `${messageId} moved back to the ingest queue.`
        : notDeleted.length > 0
          ? `${messageId} was sent back but is still in the dead-letter queue: redrive it again.`
          : `${messageId} is no longer in the dead-letter queue.`;
  } catch (error) {
    result.textContent = `Redrive of ${messageId} failed: ${error.message}`;
  }
  listedFor = undefined;
  await refreshDeadLetters().catch(() => undefined);
}

byId('redrive').addEventListener('click', async () => {
  const result = byId('redrive-result');
  result.textContent = 'Starting a redrive…';
  try {
    const answer = await postJson('/inspector/redrive', {});
    result.textContent = answer.started ? 'Redrive started.' : `Nothing started: ${answer.why}.`;
    byId('dlq').textContent = deadLetterText(answer);
  } catch (error) {
    result.textContent = `Redrive failed: ${error.message}`;
  }
});

// ---- start -------------------------------------------------------------------------------

/** Runs `refresh` now and every POLL_MS after the previous run ended, never two at once. */
function poll(refresh, onError) {
  const run = () =>
    refresh()
      .catch(onError)
      .finally(() => setTimeout(run, POLL_MS));
  run();
}

followEvents();
poll(
  refreshDeliveries,
  (error) =>
    (byId('deliveries-empty').textContent = `Could not read the delivery log: ${error.message}`),
);
poll(
  refreshDeadLetters,
  (error) => (byId('dlq').textContent = `Could not read the dead-letter queue: ${error.message}`),
);
