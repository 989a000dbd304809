import { css } from 'lit';

/**
 * Theme tokens. Every colour resolves as `--bt-<token>` (set by the page), then the VS Code webview
 * token, then a built-in dark or light fallback (`theme="light"|"dark"`, else `prefers-color-scheme`).
 * The private `--_<token>` properties hold the resolved value; charts read them with getComputedStyle.
 */
const DARK = css`
  --_fb-bg: #1e1e1e;
  --_fb-surface: #252526;
  --_fb-fg: #cccccc;
  --_fb-muted: #a0a0a0;
  --_fb-border: #3c3c3c;
  --_fb-accent: #3794ff;
  --_fb-accent-fg: #ffffff;
  --_fb-button-bg: #0e639c;
  --_fb-hover: #2a2d2e;
  --_fb-selection: #04395e;
  --_fb-input-bg: #3c3c3c;
  --_fb-success: #73c991;
  --_fb-error: #f48771;
  --_fb-error-bg: #5a1d1d;
  --_fb-warning: #cca700;
  --_fb-chart-speed: #3794ff;
  --_fb-chart-progress: #89d185;
  --_fb-chart-size: #b180d7;
  --_fb-chart-phase: rgba(255, 255, 255, 0.05);
  --_fb-chart-grid: #333333;
  color-scheme: dark;
`;

const LIGHT = css`
  --_fb-bg: #ffffff;
  --_fb-surface: #f3f3f3;
  --_fb-fg: #3b3b3b;
  --_fb-muted: #616161;
  --_fb-border: #d4d4d4;
  --_fb-accent: #005fb8;
  --_fb-accent-fg: #ffffff;
  --_fb-button-bg: #005fb8;
  --_fb-hover: #e8e8e8;
  --_fb-selection: #cce3f7;
  --_fb-input-bg: #ffffff;
  --_fb-success: #2d7d3a;
  --_fb-error: #c4314b;
  --_fb-error-bg: #fdecee;
  --_fb-warning: #8a6100;
  --_fb-chart-speed: #1a73d9;
  --_fb-chart-progress: #388a34;
  --_fb-chart-size: #8b4fc2;
  --_fb-chart-phase: rgba(0, 0, 0, 0.045);
  --_fb-chart-grid: #e5e5e5;
  color-scheme: light;
`;

export const themeStyles = css`
  :host { ${DARK} }
  @media (prefers-color-scheme: light) {
    :host(:not([theme='dark'])) { ${LIGHT} }
  }
  :host([theme='light']) { ${LIGHT} }
  :host([theme='dark']) { ${DARK} }
  :host {
    --_bg: var(--bt-background, var(--vscode-editor-background, var(--_fb-bg)));
    --_surface: var(--bt-surface, var(--vscode-editorWidget-background, var(--_fb-surface)));
    --_fg: var(--bt-foreground, var(--vscode-foreground, var(--_fb-fg)));
    --_muted: var(--bt-muted-foreground, var(--vscode-descriptionForeground, var(--_fb-muted)));
    --_border: var(--bt-border, var(--vscode-panel-border, var(--_fb-border)));
    --_accent: var(--bt-accent, var(--vscode-focusBorder, var(--_fb-accent)));
    --_accent-fg: var(--bt-accent-foreground, var(--vscode-button-foreground, var(--_fb-accent-fg)));
    --_button-bg: var(--bt-button-background, var(--vscode-button-background, var(--_fb-button-bg)));
    --_hover: var(--bt-hover-background, var(--vscode-list-hoverBackground, var(--_fb-hover)));
    --_selection: var(--bt-selection-background, var(--vscode-list-activeSelectionBackground, var(--_fb-selection)));
    --_input-bg: var(--bt-input-background, var(--vscode-dropdown-background, var(--_fb-input-bg)));
    --_success: var(--bt-success, var(--vscode-testing-iconPassed, var(--_fb-success)));
    --_error: var(--bt-error, var(--vscode-errorForeground, var(--_fb-error)));
    --_error-bg: var(--bt-error-background, var(--vscode-inputValidation-errorBackground, var(--_fb-error-bg)));
    --_warning: var(--bt-warning, var(--vscode-editorWarning-foreground, var(--_fb-warning)));
    --_chart-speed: var(--bt-chart-speed, var(--vscode-charts-blue, var(--_fb-chart-speed)));
    --_chart-progress: var(--bt-chart-progress, var(--vscode-charts-green, var(--_fb-chart-progress)));
    --_chart-size: var(--bt-chart-size, var(--vscode-charts-purple, var(--_fb-chart-size)));
    --_chart-phase: var(--bt-chart-phase, var(--_fb-chart-phase));
    --_chart-grid: var(--bt-chart-grid, var(--vscode-charts-lines, var(--_fb-chart-grid)));
    --_font: var(--bt-font-family, var(--vscode-font-family, system-ui, -apple-system, 'Segoe UI', Ubuntu, sans-serif));
    --_font-size: var(--bt-font-size, var(--vscode-font-size, 13px));
    --_mono: var(--bt-monospace-font-family, var(--vscode-editor-font-family, ui-monospace, Menlo, Consolas, monospace));
    color: var(--_fg);
    font-family: var(--_font);
    font-size: var(--_font-size);
  }
  :host([hidden]) { display: none !important; }
  *, *::before, *::after { box-sizing: border-box; }
  .state { padding: 24px 16px; color: var(--_muted); text-align: center; }
  .state.error { color: var(--_error); }
  button.bt-button {
    font: inherit; color: var(--_accent-fg); background: var(--_button-bg); border: 1px solid transparent;
    border-radius: 2px; padding: 4px 10px; cursor: pointer; line-height: 18px;
  }
  button.bt-button.secondary { color: var(--_fg); background: transparent; border-color: var(--_border); }
  button.bt-button:hover { filter: brightness(1.1); }
  button.bt-button:disabled { opacity: 0.6; cursor: default; filter: none; }
  :focus-visible { outline: 1px solid var(--_accent); outline-offset: 1px; }
`;

/** Colours a chart needs, resolved from the element's tokens. */
export interface ChartTheme {
  fg: string;
  muted: string;
  border: string;
  grid: string;
  surface: string;
  bg: string;
  font: string;
  speed: string;
  progress: string;
  size: string;
  phase: string;
  success: string;
  error: string;
  warning: string;
}

export function readChartTheme(el: Element): ChartTheme {
  const cs = getComputedStyle(el);
  const v = (name: string, fallback: string) => cs.getPropertyValue(name).trim() || fallback;
  return {
    fg: v('--_fg', '#cccccc'),
    muted: v('--_muted', '#a0a0a0'),
    border: v('--_border', '#3c3c3c'),
    grid: v('--_chart-grid', '#333333'),
    surface: v('--_surface', '#252526'),
    bg: v('--_bg', '#1e1e1e'),
    font: v('--_font', 'sans-serif'),
    speed: v('--_chart-speed', '#3794ff'),
    progress: v('--_chart-progress', '#89d185'),
    size: v('--_chart-size', '#b180d7'),
    phase: v('--_chart-phase', 'rgba(255,255,255,0.05)'),
    success: v('--_success', '#73c991'),
    error: v('--_error', '#f48771'),
    warning: v('--_warning', '#cca700'),
  };
}

type Listener = () => void;
const listeners = new Set<Listener>();
let observer: MutationObserver | undefined;
let media: MediaQueryList | undefined;
const notify = () => listeners.forEach((l) => l());

/**
 * Calls `listener` when the page's theme may have changed: VS Code swaps the body class and inline
 * style of a webview, pages toggle a class or data attribute on <html>, the OS switches colour scheme.
 * Returns the function that stops listening.
 */
export function onThemeChange(listener: Listener): () => void {
  if (listeners.size === 0) {
    observer = new MutationObserver(notify);
    const opts = { attributes: true, attributeFilter: ['class', 'style', 'data-theme', 'data-vscode-theme-kind'] };
    observer.observe(document.documentElement, opts);
    if (document.body) observer.observe(document.body, opts);
    media = matchMedia('(prefers-color-scheme: light)');
    media.addEventListener('change', notify);
  }
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) {
      observer?.disconnect();
      media?.removeEventListener('change', notify);
      observer = undefined;
      media = undefined;
    }
  };
}
