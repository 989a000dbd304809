import { css } from 'lit';
import { themeStyles } from '../shared/theme.js';

/** Styles shared by the chart elements that carry a data table under their chart. */
export const chartTableStyles = css`
  details { margin-top: 6px; }
  summary { cursor: pointer; color: var(--_muted); width: fit-content; }
  table { border-collapse: collapse; margin-top: 6px; font-variant-numeric: tabular-nums; }
  th, td { text-align: left; padding: 3px 10px 3px 0; border-bottom: 1px solid var(--_border); vertical-align: top; }
  th { color: var(--_muted); font-weight: 600; }
  td.num { text-align: right; }
`;

export const sizeDistributionStyles = [
  themeStyles,
  chartTableStyles,
  css`
    :host { display: block; }
    .chart { width: 100%; height: 240px; }
    .caption { color: var(--_muted); margin: 0 0 4px; }
  `,
];
