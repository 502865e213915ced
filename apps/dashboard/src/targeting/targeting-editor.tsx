import { useEffect, useRef, useState } from 'react';
import { enc } from '../api/client.js';
import type { Flag, Targeting } from '../api/types.js';
import { useApi } from '../app/api-context.js';
import { useLastChange } from '../app/live.js';
import { ChangedBanner } from '../components/changed-banner.js';
import { newId } from '../app/ids.js';
import { useEditSession } from '../app/use-edit-session.js';
import { ClauseSuggestions } from '../components/clause-editor.js';
import { ReviewDialog } from '../components/review-dialog.js';
import { SaveBar } from '../components/save-bar.js';
import { Switch } from '../components/switch.js';
import { newRule, targetingProblems } from '../editor/targeting-model.js';
import { reapplyTargeting, targetingPatch } from '../editor/targeting-patch.js';
import { describeTargetingChanges } from '../model/change-description.js';
import { variationName } from '../model/flag-summary.js';
import { isChangeRequest, submittedText } from '../model/change-requests.js';
import { Notice } from '../components/notice.js';
import { formatTime } from '../components/relative-time.js';
import type { Schedule } from '../model/schedules.js';
import { PrerequisitesEditor } from './prerequisites-editor.js';
import { RuleEditor } from './rule-editor.js';
import { ServeEditor, VariationSelect } from './serve-editor.js';
import { TargetsEditor } from './targets-editor.js';

interface Props {
  flag: Flag;
  env: string;
  envName: string;
  project: string;
  /** The project's flags, for prerequisites. */
  flags: readonly Flag[];
  segmentKeys: readonly string[];
  onSaved(flag: Flag): void;
}

/**
 * A flag's targeting in one environment, in LaunchDarkly's evaluation order: on/off,
 * prerequisites, individual targets, rules, default rule; off variation. Saving previews the
 * JSON Patch and sends it with If-Match, so a concurrent change is a conflict, never lost.
 */
export function TargetingEditor({
  flag,
  env,
  envName,
  project,
  flags,
  segmentKeys,
  onSaved,
}: Props) {
  const api = useApi();
  const path = `/projects/${enc(project)}/flags/${enc(flag.key)}`;
  const targetingOf = (f: Flag) => ({ doc: f.environments[env]!, version: f.version });
  // The whole flag as the last save or reload returned it, for the page around the editor.
  const latest = useRef(flag);
  // Set when the environment requires approval and the last save became a change request.
  const [submitted, setSubmitted] = useState<string>();
  const session = useEditSession<Targeting>({
    loaded: targetingOf(flag),
    patch: (original, draft) => targetingPatch(env, original, draft),
    save: async (ops, version, comment) => {
      const saved = await api.patch<unknown>(path, ops, version, comment);
      if (isChangeRequest(saved)) {
        // Not applied: the flag stays as it was until another member approves the request.
        setSubmitted(submittedText(saved, envName));
        return targetingOf(latest.current);
      }
      setSubmitted(undefined);
      latest.current = saved as Flag;
      return targetingOf(latest.current);
    },
    loadLatest: async () => {
      latest.current = await api.get<Flag>(path);
      return targetingOf(latest.current);
    },
    reapply: (original, draft, latest) => reapplyTargeting(original, draft, latest),
    onSaved: () => onSaved(latest.current),
  });
  // The page reloads the flag when someone else changes it (live): the session takes the new
  // version, or keeps the draft and shows the banner below.
  useEffect(() => session.upstream(targetingOf(flag)), [flag.version]);
  // "Schedule for later" in the review: the same patch as a scheduled change; the draft is then
  // dropped (the editor shows the flag as it is) and the flag page lists the schedule.
  const [scheduled, setScheduled] = useState<string>();
  const schedule = async (at: string, comment?: string) => {
    const count = session.ops.length;
    const created = await api.post<Schedule>(`${path}/schedules`, {
      at,
      patch: session.ops,
      ...(comment === undefined ? {} : { comment }),
    });
    setScheduled(
      `Scheduled ${count} change${count === 1 ? '' : 's'} to ${envName} for ${formatTime(created.runAt)} (see Scheduled changes). Until then the flag stays as it is, shown here.`,
    );
    session.discard();
  };
  const lastChange = useLastChange((c) => c.kind === 'flag' && c.key === flag.key);
  const t = session.draft;
  const set = (part: Partial<Targeting>) => session.edit({ ...t, ...part });
  const names = flag.variations.map((_, i) => variationName(flag, i));
  const problems = targetingProblems(t, {
    flagKey: flag.key,
    variationCount: flag.variations.length,
    flagKeys: flags.map((f) => f.key),
    segmentKeys,
  });

  return (
    <section className="targeting" aria-labelledby="targeting-title">
      <ClauseSuggestions />
      {session.behind !== undefined && (
        <ChangedBanner
          what={`the targeting in ${envName}`}
          change={lastChange}
          version={session.behind.version}
          conflicts={
            reapplyTargeting(session.original, session.draft, session.behind.doc).conflicts
          }
          onMerge={session.reapply}
          onDiscard={session.discard}
        />
      )}
      {submitted !== undefined && <Notice tone="success">{submitted}</Notice>}
      {scheduled !== undefined && <Notice tone="success">{scheduled}</Notice>}
      <div className="section-header">
        <h2 id="targeting-title">Targeting in {envName}</h2>
        <Switch checked={t.on} label={`Targeting in ${envName}`} onChange={(on) => set({ on })} />
      </div>
      <p className="muted">
        {t.on
          ? 'On: contexts go through the steps below, first match wins.'
          : `Off: every context gets the off variation (${variationName(flag, t.offVariation)}).`}
      </p>

      <h3>Prerequisites</h3>
      <PrerequisitesEditor
        prerequisites={t.prerequisites}
        flagKey={flag.key}
        flags={flags}
        onChange={(prerequisites) => set({ prerequisites })}
      />

      <h3>Individual targets</h3>
      <TargetsEditor targeting={t} variationNames={names} onChange={session.edit} />

      <h3>Rules</h3>
      {t.rules.length === 0 && <p className="muted">No rules.</p>}
      {t.rules.map((rule, i) => (
        <RuleEditor
          key={rule.id ?? i}
          rule={rule}
          index={i}
          count={t.rules.length}
          variationNames={names}
          segmentKeys={segmentKeys}
          onChange={(r) => set({ rules: t.rules.map((x, j) => (j === i ? r : x)) })}
          onRemove={() => set({ rules: t.rules.filter((_, j) => j !== i) })}
          onMove={(to) => {
            const rules = [...t.rules];
            rules.splice(to, 0, ...rules.splice(i, 1));
            set({ rules });
          }}
        />
      ))}
      <button
        type="button"
        className="button"
        onClick={() => set({ rules: [...t.rules, newRule(newId())] })}
      >
        Add rule
      </button>

      <h3>Default rule</h3>
      <p className="muted">When targeting is on and nothing above matched.</p>
      <ServeEditor
        serve={t.fallthrough}
        variationNames={names}
        label="Default rule"
        onChange={(fallthrough) => set({ fallthrough })}
      />

      <h3>When targeting is off</h3>
      <label className="field-inline">
        <span>Serve</span>
        <VariationSelect
          label="Off variation"
          value={t.offVariation}
          variationNames={names}
          none="nothing (the SDK's default value)"
          onChange={(v) => {
            const { offVariation: _o, ...rest } = t;
            session.edit(v === undefined ? rest : { ...rest, offVariation: v });
          }}
        />
      </label>

      <h3>Client-side SDKs</h3>
      <label className="checkbox">
        <input
          type="checkbox"
          checked={t.clientSideAvailability.usingEnvironmentId}
          onChange={(e) =>
            set({
              clientSideAvailability: {
                ...t.clientSideAvailability,
                usingEnvironmentId: e.target.checked,
              },
            })
          }
        />
        Available to browser SDKs (client-side ID)
      </label>
      <label className="checkbox">
        <input
          type="checkbox"
          checked={t.clientSideAvailability.usingMobileKey}
          onChange={(e) =>
            set({
              clientSideAvailability: {
                ...t.clientSideAvailability,
                usingMobileKey: e.target.checked,
              },
            })
          }
        />
        Available to mobile SDKs (mobile key)
      </label>

      <SaveBar
        changes={session.ops.length}
        problems={problems.map((p) => `${p.where}: ${p.message}`)}
        onDiscard={() => session.edit(session.original)}
        onReview={session.review}
      />
      <ReviewDialog
        state={session.state}
        subject={`flag "${flag.key}" in ${envName}`}
        ops={session.ops}
        changes={
          session.state.step === 'editing'
            ? []
            : describeTargetingChanges(flag, envName, session.original, session.draft, { flags })
        }
        overwrites={session.overwrites}
        onSave={session.save}
        onClose={session.close}
        onReapply={session.reapply}
        onDiscard={session.discard}
        onSchedule={schedule}
      />
    </section>
  );
}
