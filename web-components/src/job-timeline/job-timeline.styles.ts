import { css } from 'lit';
import { themeStyles } from '../shared/theme.js';
import { chartTableStyles } from '../size-distribution/size-distribution.styles.js';

export const jobTimelineStyles = [
  themeStyles,
  chartTableStyles,
  css`
    :host { display: block; }
    .chart { width: 100%; min-height: 200px; }
    .legend { display: flex; flex-wrap: wrap; gap: 4px 14px; margin: 0 0 4px; padding: 0; list-style: none; color: var(--_muted); }
    .legend .swatch { display: inline-block; width: 14px; height: 9px; margin-right: 5px; vertical-align: middle; }
    .swatch.completed { background: var(--_success); }
    .swatch.failed { background: var(--_error); }
    .swatch.running { background: var(--_chart-speed); outline: 1px dashed var(--_fg); outline-offset: -1px; }
    .swatch.cancelled { border: 2px solid var(--_warning); }
    td.failed { color: var(--_error); }
    .note { color: var(--_warning); margin: 4px 0; }
    td.error { max-width: 40ch; overflow-wrap: anywhere; }
  `,
];
