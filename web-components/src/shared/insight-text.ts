import { html, nothing } from 'lit';
import { BOTTLENECK_STAGES, type EarlyWarning, type JobAnomaly, type JobBottleneck } from '@backup-telemetry/contract';
import { capitalize } from './format.js';
import { untrustedText } from './job-text.js';

/**
 * A job's anomalies, one note each with its severity ("2.7× the usual size for an incremental …").
 * The hub writes the messages from numbers, but they arrive over the network: shown as text.
 */
export function anomalyNotes(anomalies: readonly JobAnomaly[] | undefined) {
  if (!anomalies?.length) return nothing;
  return html`<ul class="anomalies" part="anomalies" aria-label="Unusual for this machine">
    ${anomalies.map((a) => html`<li class="anomaly ${a.severity === 'critical' ? 'critical' : 'warning'}" part="anomaly" data-metric=${a.metric}>
      <strong>${a.severity === 'critical' ? 'Highly unusual:' : 'Unusual:'}</strong> ${untrustedText(a.message)}
    </li>`)}
  </ul>`;
}

/** "Bottleneck: Network" with every stage's average busy percent. */
export function bottleneckLine(bottleneck: JobBottleneck | undefined | null) {
  if (!bottleneck || !(BOTTLENECK_STAGES as readonly string[]).includes(bottleneck.stage)) return nothing;
  const stages = BOTTLENECK_STAGES.map((s) => `${capitalize(s)} ${Math.round(bottleneck.busy_percent[s] ?? 0)}%`).join(' · ');
  return html`<div class="bottleneck" part="bottleneck" role="note">
    <strong>Bottleneck: ${capitalize(bottleneck.stage)}</strong> <span class="stages">(busy: ${stages})</span>
  </div>`;
}

/** The early warnings of a VM, with their messages. */
export function warningNotes(warnings: readonly EarlyWarning[] | undefined) {
  if (!warnings?.length) return html`<p class="subtitle" part="no-warnings">No early warnings: recent backups are in line with this machine's history.</p>`;
  return html`<ul class="warnings" part="warnings" aria-label="Early warnings">
    ${warnings.map((w) => html`<li class="warning-note ${w.severity === 'critical' ? 'critical' : 'warning'}" part="warning" data-kind=${w.kind}>
      ${untrustedText(capitalize(w.message))}
    </li>`)}
  </ul>`;
}
