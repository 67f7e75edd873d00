import { Badge } from './ui';

/** PipelineStatus is a pipeline's status as a badge. */
export function PipelineStatus({ status }: { status: string }) {
  return <Badge kind={status === 'SUCCESS' ? 'success' : status === 'FAILED' ? 'danger' : 'info'}>{status.toLowerCase()}</Badge>;
}

/** PipelineCommit says what a pipeline built: its ref, its commit and who ran it. */
export function PipelineCommit({ pipeline: pl }: { pipeline: { ref?: string | null; sha: string; user?: { username: string } | null } }) {
  return (
    <>
      {pl.ref && (
        <>
          ref <span className="mono">{pl.ref}</span> ·{' '}
        </>
      )}
      commit <span className="mono" title={pl.sha}>{pl.sha.slice(0, 8)}</span>
      {pl.user && <> · by @{pl.user.username}</>}
    </>
  );
}
