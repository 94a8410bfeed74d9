/**
 * @module
 * `GET /console/revoke`: revoke a credential by its id (an API key's or an M2M token's; a machine's id rotates its
 * secret key) or by its secret, each behind a confirmation box. The secret field
 * is a password field that browsers are told not to fill or remember, and the server never sends it back: after a
 * refusal the field is empty again.
 */
export interface RevokePageProps {
  /** The Clerk instances configured; a choice is offered only when there are several. */
  instances: string[];
  /** A key id to fill in (from an incident's page); not a secret. */
  keyId?: string | undefined;
  /** A refusal to show above the forms: which form, and what was wrong (never what was typed). */
  error?: { form: "key_id" | "secret"; message: string } | undefined;
}

function Confirm({ id, text }: { id: string; text: string }) {
  return (
    <div class="field">
      <input id={id} name="confirm" type="checkbox" value="yes" required />{" "}
      <label for={id} class="inline">
        {text}
      </label>
    </div>
  );
}

function Reason({ id }: { id: string }) {
  return (
    <div class="field">
      <label for={id}>
        Reason <small>optional; Clerk records it (default "Key compromised")</small>
      </label>
      <input id={id} name="reason" type="text" maxlength={255} autocomplete="off" size={40} />
    </div>
  );
}

/** The revoke page's content. */
export function RevokePage({ instances, keyId, error }: RevokePageProps) {
  const errorFor = (form: "key_id" | "secret") =>
    error?.form === form ? (
      <p class="notice error" role="alert" id={`${form}-error`}>
        {error.message}
      </p>
    ) : null;
  return (
    <>
      <h1>Revoke a key</h1>
      <p>
        Both forms revoke the key in Clerk now, or queue the revocation when Clerk does not answer in time.
        The result page says which, and links to the incident.
      </p>
      <form class="action" method="post" action="/console/revoke" aria-labelledby="by-id">
        <h2 id="by-id">By id</h2>
        {errorFor("key_id")}
        <p class="muted">
          An API key's id (<code>ak_…</code>) or an M2M token's (<code>mt_…</code>) is revoked. A machine's id
          (<code>mch_…</code>) has its secret key rotated: the old one stops working at once, and so does the
          machine until its owners deploy the new one.
        </p>
        <div class="field">
          <label for="key-id">
            Id <small>ak_ or mt_ and 32 hex digits, or mch_…</small>
          </label>
          <input
            id="key-id"
            name="key_id"
            type="text"
            required
            autocomplete="off"
            spellcheck={false}
            size={40}
            pattern="(ak|mt)_[0-9A-Fa-f]{32}|mch_\w{1,64}"
            value={keyId ?? ""}
          />
        </div>
        {instances.length > 1 ? (
          <div class="field">
            <label for="instance">Clerk instance</label>
            <select id="instance" name="instance" required>
              <option value="">choose…</option>
              {instances.map((i) => (
                <option value={i}>{i}</option>
              ))}
            </select>
          </div>
        ) : null}
        <Reason id="reason-id" />
        <Confirm
          id="confirm-id"
          text="Yes, revoke this credential (or rotate this machine's secret key) now"
        />
        <button class="danger" type="submit">
          Revoke or rotate
        </button>
      </form>

      <form class="action" method="post" action="/console/revoke" aria-labelledby="by-secret">
        <h2 id="by-secret">By secret</h2>
        {errorFor("secret")}
        <p class="muted">
          The secret is hashed and sealed like an alert's token: it is never shown, logged or stored in the
          clear.
        </p>
        <div class="field">
          <label for="secret">Leaked secret</label>
          <input
            id="secret"
            name="secret"
            type="password"
            required
            autocomplete="off"
            spellcheck={false}
            size={40}
            data-1p-ignore
            data-lpignore="true"
          />
        </div>
        <Reason id="reason-secret" />
        <Confirm id="confirm-secret" text="Yes, revoke the key this secret belongs to now" />
        <button class="danger" type="submit">
          Revoke by secret
        </button>
      </form>
    </>
  );
}
