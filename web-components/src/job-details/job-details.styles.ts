import { css } from 'lit';
import { themeStyles } from '../shared/theme.js';

export const jobDetailsStyles = [
  themeStyles,
  css`
    :host { display: block; }
    h4 { margin: 0 0 8px; font-size: 0.85em; font-weight: 600; text-transform: uppercase; letter-spacing: 0.05em; color: var(--_muted); }
    .columns { display: grid; grid-template-columns: minmax(240px, 1fr) 2fr; gap: 16px; }
    dl { display: grid; grid-template-columns: auto 1fr; gap: 4px 14px; margin: 0; }
    dt { color: var(--_muted); }
    dd { margin: 0; overflow-wrap: anywhere; font-variant-numeric: tabular-nums; }
    .error { padding: 8px 12px; border-left: 3px solid var(--_error); background: var(--_error-bg); color: var(--_error); margin-bottom: 12px; overflow-wrap: anywhere; white-space: pre-wrap; }
    .warnings { padding: 8px 12px; border-left: 3px solid var(--_warning); background: var(--_surface); margin-bottom: 12px; }
    ol { list-style: none; margin: 0; padding: 0; max-height: 320px; overflow: auto; border: 1px solid var(--_border); border-radius: 2px; font-family: var(--vscode-editor-font-family, ui-monospace, monospace); font-size: 0.92em; }
    li { display: grid; grid-template-columns: auto 4.5em 3.5em 1fr; gap: 8px; padding: 3px 8px; border-top: 1px solid var(--_border); }
    li:first-child { border-top: none; }
    time, .source { color: var(--_muted); }
    .level { text-transform: uppercase; font-size: 0.85em; }
    li[data-level='warning'] .level { color: var(--_warning); }
    li[data-level='error'] .level, li[data-level='error'] .message { color: var(--_error); }
    .message { white-space: pre-wrap; overflow-wrap: anywhere; }
    .state { color: var(--_muted); padding: 6px 0; }
    .state.error { color: var(--_error); }
    .muted { color: var(--_muted); font-weight: normal; text-transform: none; letter-spacing: 0; }
    @media (max-width: 760px) { .columns { grid-template-columns: 1fr; } }
  `,
];
