/**
 * Line factories for parser tests. Defaults are real lines recorded from restic 0.14.0 and borg 1.2.4
 * (Debian 12); fields that newer versions add come from their documentation.
 */
const line = (value: object) => JSON.stringify(value);

export const restic = {
  status: (over: object = {}) => line({ message_type: 'status', percent_done: 0.3492587661358189, total_files: 3, total_bytes: 90000003, bytes_done: 31433290, current_files: ['/data/a.bin', '/data/b.bin'], ...over }),
  summary: (over: object = {}) => line({
    message_type: 'summary', files_new: 3, files_changed: 0, files_unmodified: 0, dirs_new: 1, dirs_changed: 0, dirs_unmodified: 0,
    data_blobs: 59, tree_blobs: 2, data_added: 90005160, total_files_processed: 3, total_bytes_processed: 90000003,
    total_duration: 1.731069137, snapshot_id: '0f5e2129', ...over,
  }),
  /** restic 0.14 serialises the Go error as `{}`. */
  error014: (over: object = {}) => line({ message_type: 'error', error: {}, during: 'archival', item: '/tmp/rt/d3/sub', ...over }),
  /** restic 0.16+ */
  error: (over: object = {}) => line({ message_type: 'error', error: { message: 'open /data/secret: permission denied' }, during: 'archival', item: '/data/secret', ...over }),
  /** restic 0.17+ */
  exitError: (over: object = {}) => line({ message_type: 'exit_error', code: 12, message: 'Fatal: wrong password or no key found', ...over }),
  verbose: (over: object = {}) => line({ message_type: 'verbose_status', action: 'unchanged', item: '/data/a.bin', duration: 0, data_size: 0, data_size_in_repo: 0, metadata_size: 0, metadata_size_in_repo: 0, total_files: 0, ...over }),
  /** restic 0.14 prints its verbose scan record with message_type "status". */
  scanFinished014: (over: object = {}) => line({ message_type: 'status', action: 'scan_finished', item: '', duration: 0.203661522, data_size: 90000003, data_size_in_repo: 0, metadata_size: 0, metadata_size_in_repo: 0, total_files: 3, ...over }),
};

export const borg = {
  archiveProgress: (over: object = {}) => line({ original_size: 52428800, compressed_size: 52430012, deduplicated_size: 52430012, nfiles: 2, path: 'data/b.bin', time: 1795409714.8, type: 'archive_progress', finished: false, ...over }),
  archiveFinished: () => line({ time: 1795409714.9900575, type: 'archive_progress', finished: true }),
  progressMessage: (msgid: string, over: object = {}) => line({ message: 'Saving files cache', operation: 2, msgid, type: 'progress_message', finished: false, time: 1795409715.07, ...over }),
  progressPercent: (over: object = {}) => line({ message: '50.0% Syncing chunks cache', current: 1, total: 2, info: null, operation: 3, msgid: 'cache.sync', type: 'progress_percent', finished: false, time: 1795409715.1, ...over }),
  log: (levelname: string, message: string, over: object = {}) => line({ type: 'log_message', time: 1795409715.37, message, levelname, name: 'borg.archiver', ...over }),
  fileStatus: (status: string, path: string) => line({ type: 'file_status', status, path }),
  /** `borg create --json` stdout, as borg pretty-prints it. */
  createJson: (over: object = {}) => JSON.stringify({
    archive: { command_line: ['/usr/bin/borg', 'create', '--json', 'repo::a3', 'data'], duration: 0.088174, end: '2026-11-23T04:55:15.000000', id: '7a20e8db159040c8fc7d21283f49a961c620554cc6c07763bd0286357065b79a', limits: { max_archive_size: 2.5e-5 }, name: 'a3', start: '2026-11-23T04:55:15.000000', stats: { compressed_size: 90002033, deduplicated_size: 525, nfiles: 3, original_size: 90000522 }, ...over },
    cache: { path: '/root/.cache/borg/d322', stats: { total_chunks: 74 } },
    encryption: { mode: 'repokey' },
    repository: { id: 'd322', last_modified: '2026-11-23T04:55:15.000000', location: '/tmp/rt/borgrepo' },
  }, null, 4) + '\n',
};
