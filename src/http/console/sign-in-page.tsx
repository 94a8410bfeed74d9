/**
 * @module
 * `GET /console/sign-in`: the ADMIN_TOKEN sign-in, used only when Cloudflare Access is not configured. The token is a
 * password field the browser is told not to remember, and it is never sent back.
 */
export interface SignInPageProps {
  /** Why the last attempt failed; never what was typed. */
  error?: string | undefined;
}

/** The sign-in form. */
export function SignInPage({ error }: SignInPageProps) {
  return (
    <>
      <h1>Sign in</h1>
      <form class="action" method="post" action="/console/sign-in">
        {error ? (
          <p class="notice error" role="alert">
            {error}
          </p>
        ) : null}
        <p>
          Paste the operators' token (<code>ADMIN_TOKEN</code>). The session lasts 8 hours. Signing out ends
          it in this browser; rotating the token ends every session.
        </p>
        <div class="field">
          <label for="token">Admin token</label>
          <input
            id="token"
            name="token"
            type="password"
            required
            autocomplete="off"
            spellcheck={false}
            size={48}
          />
        </div>
        <button type="submit">Sign in</button>
      </form>
    </>
  );
}
