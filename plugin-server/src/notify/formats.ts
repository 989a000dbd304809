import { EVENT_SEVERITY, formatBytes, formatDuration, type NotificationFormat, type NotificationEventType, type NotificationSeverity, type WebhookPayload } from '@backup-telemetry/contract';

/**
 * The body each format sends for an event (pure). `generic` sends the stored payload text itself
 * (Standard Webhooks JSON, byte for byte the same on every retry); `slack` an incoming-webhook body;
 * `ntfy` ntfy's JSON publish body. VM names, phases and error messages come from backup clients and
 * are untrusted: control and bidi characters are removed, lengths capped, and Slack's mrkdwn
 * specials (`&`, `<`, `>`) escaped, so a name can neither ping `@channel` nor forge a link.
 */

export interface Rendered {
  url: string;
  contentType: string;
  body: string;
}

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]+/g;
export const MAX_NAME_CHARS = 200;
export const MAX_MESSAGE_CHARS = 500;

/** Untrusted text made safe to show: no control characters (each run becomes a space, spaces collapse), at most `max` characters. */
export function plain(value: unknown, max: number): string {
  const text = String(value ?? '').replace(CONTROL, ' ').replace(/ {2,}/g, ' ').trim();
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Slack mrkdwn's three specials, escaped as Slack documents. */
export function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

interface Summary {
  severity: NotificationSeverity;
  title: string;
  /** Sentence(s) of detail; may be empty. */
  detail: string;
  vmName: string;
}

type Data = Record<string, any>;

/** What a person reads about an event, as plain (unescaped, but cleaned) text. */
export function summarize(payload: WebhookPayload): Summary {
  const data = payload.data as Data;
  const job = data.job as Data | undefined;
  const machine = data.machine as Data | undefined;
  const vmName = plain(job?.vm_name ?? machine?.vm_name ?? '', MAX_NAME_CHARS);
  const error = plain(job?.error_message ?? '', MAX_MESSAGE_CHARS);
  const reason = plain(machine?.protection?.reason ?? data.reason ?? '', MAX_MESSAGE_CHARS);
  const severity = EVENT_SEVERITY[payload.type] ?? 'info';
  const jobKind = job?.job_type === 'restore' ? 'Restore' : 'Backup';
  const size = typeof job?.bytes_transferred === 'number' ? formatBytes(job.bytes_transferred) : '';
  const took = typeof job?.duration_seconds === 'number' ? formatDuration(job.duration_seconds) : '';
  const titles: Record<NotificationEventType, () => [string, string]> = {
    'job.completed': () => [`${jobKind} of ${vmName} completed`, [size, took && `in ${took}`].filter(Boolean).join(' ')],
    'job.failed': () => [`${jobKind} of ${vmName} failed`, error],
    'job.cancelled': () => [`${jobKind} of ${vmName} cancelled`, error],
    'job.stale': () => [`${jobKind} of ${vmName} stalled`, error],
    'job.anomaly': () => [`${jobKind} of ${vmName} is unusual for this machine`,
      plain((data.anomalies as Data[] | undefined)?.map((a) => String(a.message ?? '')).join('; ') ?? '', MAX_MESSAGE_CHARS)],
    'machine.at_risk': () => (data.reminder
      ? [`${vmName} is still at risk`, reason || `at risk since ${plain(data.at_risk_since, 40)}`]
      : [`${vmName} is at risk`, reason]),
    'machine.protected': () => [`${vmName} is protected again`, reason],
    test: () => ['Test notification from Backup Telemetry', 'If you read this, the endpoint works.'],
  };
  const [title, detail] = (titles[payload.type] ?? (() => [String(payload.type), '']))();
  return { severity, title, detail, vmName };
}

const SLACK_ICON: Record<NotificationSeverity, string> = { info: ':white_check_mark:', warning: ':warning:', critical: ':rotating_light:' };

function slackBody(payload: WebhookPayload): string {
  const s = summarize(payload);
  const text = `${SLACK_ICON[s.severity]} ${slackEscape(s.title)}${s.detail ? `: ${slackEscape(s.detail)}` : ''}`;
  const blocks = [
    { type: 'section', text: { type: 'mrkdwn', text: `${SLACK_ICON[s.severity]} *${slackEscape(s.title)}*${s.detail ? `\n${slackEscape(s.detail)}` : ''}` } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: `${payload.type} · ${s.severity} · ${payload.timestamp}` }] },
  ];
  return JSON.stringify({ text, blocks });
}

const NTFY_PRIORITY: Record<NotificationSeverity, number> = { info: 3, warning: 4, critical: 5 };
const NTFY_TAG: Record<NotificationEventType, string> = {
  'job.completed': 'white_check_mark', 'job.failed': 'x', 'job.cancelled': 'no_entry_sign', 'job.stale': 'warning', 'job.anomaly': 'mag',
  'machine.at_risk': 'rotating_light', 'machine.protected': 'shield', test: 'test_tube',
};

/** ntfy's JSON publishing goes to the server's root with the topic in the body: `https://ntfy.sh/backups` → POST `https://ntfy.sh/` `{topic: 'backups'}`. */
export function ntfyTarget(url: string): { root: string; topic: string } {
  const parsed = new URL(url);
  const parts = parsed.pathname.split('/');
  const topic = decodeURIComponent(parts.pop() || '');
  parsed.pathname = `${parts.join('/')}/`;
  parsed.search = '';
  return { root: parsed.toString(), topic };
}

function ntfyBody(payload: WebhookPayload, topic: string): string {
  const s = summarize(payload);
  return JSON.stringify({
    topic,
    title: s.title,
    message: s.detail || s.title,
    priority: NTFY_PRIORITY[s.severity],
    tags: [NTFY_TAG[payload.type] ?? 'bell', payload.type],
  });
}

/** What one attempt sends to an endpoint of `format` at `url`, from the event's stored payload text. */
export function render(format: NotificationFormat, url: string, payloadText: string): Rendered {
  if (format === 'generic') return { url, contentType: 'application/json', body: payloadText };
  const payload = JSON.parse(payloadText) as WebhookPayload;
  if (format === 'slack') return { url, contentType: 'application/json', body: slackBody(payload) };
  const { root, topic } = ntfyTarget(url);
  return { url: root, contentType: 'application/json', body: ntfyBody(payload, topic) };
}
