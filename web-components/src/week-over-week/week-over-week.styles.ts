import { css } from 'lit';
import { themeStyles } from '../shared/theme.js';

export const weekOverWeekStyles = [
  themeStyles,
  css`
    :host { display: block; }
    .range { color: var(--_muted); margin: 0 0 6px; }
    table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
    th, td { text-align: left; padding: 5px 10px 5px 0; border-bottom: 1px solid var(--_border); }
    thead th { color: var(--_muted); font-weight: 600; }
    td.num { text-align: right; }
    .change { white-space: nowrap; }
    .change .arrow { display: inline-block; width: 1.2em; }
    .good { color: var(--_success); }
    .bad { color: var(--_error); }
    .neutral { color: var(--_fg); }
    .note { color: var(--_warning); margin: 6px 0 0; }
  `,
];
