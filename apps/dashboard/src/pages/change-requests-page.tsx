import { useState } from 'react';
import { enc, errorMessage } from '../api/client.js';
import type { Flag } from '../api/types.js';
import { useApi, useSession } from '../app/api-context.js';
import { routePath } from '../app/routes.js';
import { useResource } from '../app/use-resource.js';
import { ConfirmDialog } from '../components/dialog.js';
import { Link } from '../components/link.js';
import { ErrorNotice, FieldError, Loading, Notice } from '../components/notice.js';
import { RelativeTime } from '../components/relative-time.js';
import { describeRequest, type ChangeRequest } from '../model/change-requests.js';

interface Props {
  project: string;
  env: string;
}

/**
 * Flag changes waiting for approval (environments that require it), described in English against
 * the flag as it is now, with Approve and Reject. The API decides who may: not the requester,
 * and only the writer role or above; its refusals (a conflicting newer change) are shown as is.
 */
export function ChangeRequestsPage({ project, env }: Props) {
  const api = useApi();
  const { environments } = useSession();
  const base = `/projects/${enc(project)}`;
  // Keyed as a flag list: it reloads when any flag of the project changes (live-keys.ts).
  const data = useResource(`flags:${project}:change-requests`, async (signal) => {
    const [requests, flags] = await Promise.all([
      api.get<{ items: ChangeRequest[] }>(`${base}/change-requests?status=pending`, signal),
      api.get<{ items: Flag[] }>(`${base}/flags?archived=all`, signal),
    ]);
    return { requests: requests.items, flags: flags.items };
  });
  const envName = (key: string) => environments.find((e) => e.key === key)?.name ?? key;
  return (
    <section aria-labelledby="requests-title">
      <div className="page-header">
        <h1 id="requests-title">Change requests</h1>
        <p className="muted">
          Flag changes in environments that require approval. Another member approves or rejects
          each; a change cannot be approved by whoever requested it.
        </p>
      </div>
      {data.error !== undefined && <ErrorNotice error={data.error} />}
      {data.data === undefined && data.error === undefined && <Loading what="change requests" />}
      {data.data !== undefined && data.data.requests.length === 0 && (
        <Notice>No change requests are waiting for approval.</Notice>
      )}
      {data.data !== undefined && data.data.requests.length > 0 && (
        <ul className="change-requests" aria-label="Pending change requests">
          {data.data.requests.map((r) => (
            <RequestItem
              key={r.id}
              request={r}
              flag={data.data!.flags.find((f) => f.key === r.flagKey)}
              project={project}
              env={env}
              envName={envName}
              onDecided={data.reload}
            />
          ))}
        </ul>
      )}
    </section>
  );
}

function RequestItem({
  request,
  flag,
  project,
  env,
  envName,
  onDecided,
}: {
  request: ChangeRequest;
  flag: Flag | undefined;
  project: string;
  env: string;
  envName: (key: string) => string;
  onDecided(): void;
}) {
  const api = useApi();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState('');
  const path = `/projects/${enc(project)}/change-requests/${enc(request.id)}`;
  const decide = async (action: 'approve' | 'reject', body?: unknown) => {
    setBusy(true);
    setError(undefined);
    try {
      await api.post(`${path}/${action}`, body);
      setRejecting(false);
      onDecided();
    } catch (e) {
      setError(errorMessage(e));
      // A refused approval may have marked it stale: the list shows pending ones only.
    } finally {
      setBusy(false);
    }
  };
  const title = `${flag?.name ?? request.flagKey} in ${request.environmentKeys.map(envName).join(', ')}`;
  return (
    <li className="change-request card" aria-label={`Change request: ${title}`}>
      <h2 className="change-request-title">
        <Link to={routePath({ page: 'flag', project, env, flag: request.flagKey })}>
          {flag?.name ?? request.flagKey}
        </Link>{' '}
        in {request.environmentKeys.map(envName).join(', ')}
      </h2>
      <p className="muted">
        Requested by <strong>{request.requestedBy.name}</strong>{' '}
        <RelativeTime at={request.createdAt} /> against version {request.baseVersion}
      </p>
      {request.comment !== undefined && <blockquote>{request.comment}</blockquote>}
      <ul className="change-lines" aria-label="The change">
        {describeRequest(flag, request, envName).map((line, i) => (
          <li key={i}>{line}</li>
        ))}
      </ul>
      <FieldError error={error} preLine />
      <div className="actions">
        <button
          type="button"
          className="button button-primary"
          disabled={busy}
          onClick={() => void decide('approve')}
        >
          Approve
        </button>
        <button type="button" className="button" disabled={busy} onClick={() => setRejecting(true)}>
          Reject
        </button>
      </div>
      {rejecting && (
        <ConfirmDialog
          title={`Reject the change to ${title}`}
          onClose={() => setRejecting(false)}
          confirm="Reject change"
          tone="danger"
          disabled={busy || reason.trim() === ''}
          onConfirm={() => void decide('reject', { reason: reason.trim() })}
        >
          <label className="field">
            <span>Reason (the requester reads it)</span>
            <textarea value={reason} maxLength={500} onChange={(e) => setReason(e.target.value)} />
          </label>
          <FieldError error={error} />
        </ConfirmDialog>
      )}
    </li>
  );
}
