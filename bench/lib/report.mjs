// Turns bench results into Markdown tables, for the console and for the generated part of RESULTS.md.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export function table(rows) {
  if (!rows.length) return '';
  const cols = Object.keys(rows[0]);
  const cells = rows.map((r) => cols.map((c) => String(r[c] ?? '')));
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const line = (vals) => `| ${vals.map((v, i) => v.padEnd(widths[i])).join(' | ')} |`;
  return [line(cols), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}

const verdict = (t) => (t.met === null ? 'not measured' : t.met ? '**met**' : '**MISSED**');

export function section(result) {
  const out = [`### ${result.title}`, ''];
  if (result.skipped) return [...out, `Not measured: ${result.skipped}`, ''].join('\n');
  out.push(`_Setup:_ ${result.setup}`, '', table(result.rows), '');
  if (result.extra) for (const t of result.extra) out.push(table(t), '');
  if (result.target) out.push(`Target: ${result.target.text} → ${verdict(result.target)}${result.target.shown ? ` (${result.target.shown})` : ''}`, '');
  if (result.notes?.length) for (const n of result.notes) out.push(`- ${n}`);
  out.push(`_Measured ${result.measured_at}._`, '');
  return out.join('\n');
}

const START = '<!-- bench:generated:start (npm run bench rewrites this part) -->';
const END = '<!-- bench:generated:end -->';

/** Rewrites the generated block of RESULTS.md; anything written outside it is kept. */
export function writeResultsMd(file, machine, results) {
  const facts = table([
    { fact: 'date', value: machine.date },
    { fact: 'nproc', value: machine.nproc },
    { fact: 'CPU', value: machine.cpu },
    { fact: 'memory', value: `${machine.memory_gib} GiB` },
    { fact: 'Node.js', value: machine.node },
    { fact: 'OS', value: machine.os },
    { fact: 'MariaDB', value: machine.mariadb },
    { fact: 'PostgreSQL', value: machine.postgres ?? 'not measured' },
    { fact: 'load average at start', value: machine.loadavg },
  ]);
  const summary = table(results.filter((r) => r.target || r.skipped).map((r) => ({
    bench: r.title,
    target: r.target?.text ?? '–',
    figure: r.skipped ? 'not measured' : r.target?.shown ?? '',
    verdict: r.skipped ? 'not measured' : verdict(r.target),
  })));
  const block = [START, '', '## Machine', '', facts, '', '## Summary', '', summary, '', '## Benchmarks', '', ...results.map(section), END].join('\n');
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const a = current.indexOf(START);
  const b = current.indexOf(END);
  const next = a >= 0 && b > a ? current.slice(0, a) + block + current.slice(b + END.length) : `${current || '# Benchmark results\n\n'}${block}\n`;
  writeFileSync(file, next);
}
