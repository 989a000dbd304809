import { css } from 'lit';

/** Anomaly notes, early warnings and the bottleneck line (shared/insight-text.ts). */
export const insightStyles = css`
  ul.anomalies, ul.warnings { list-style: none; margin: 0; padding: 0; display: grid; gap: 4px; }
  .anomaly, .warning-note {
    border-left: 3px solid var(--_warning); background: var(--_surface); padding: 4px 10px; border-radius: 2px;
    white-space: normal; overflow-wrap: anywhere;
  }
  .anomaly.critical, .warning-note.critical { border-left-color: var(--_error); }
  .anomaly strong { color: var(--_warning); }
  .anomaly.critical strong { color: var(--_error); }
  .bottleneck { margin: 8px 0; }
  .bottleneck .stages { color: var(--_muted); }
`;
