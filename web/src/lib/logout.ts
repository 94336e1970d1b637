import { api } from "../api/client";
import { clearToken, getToken } from "./session";

/**
 * Forget this login's token at once (so nothing on the page calls with it any more), then revoke it
 * on the server: found by its prefix among my tokens.
 */
export async function logout(): Promise<void> {
  const token = getToken();
  clearToken();
  if (!token) return;
  const headers = { Authorization: `Bearer ${token}` };
  try {
    const { data } = await api.GET("/api/v1/auth/tokens", { headers });
    const mine = (data?.items ?? []).find((t) => t.revoked_at === null && token.startsWith(t.prefix));
    if (mine) {
      await api.DELETE("/api/v1/auth/tokens/{token_id}", { params: { path: { token_id: mine.id } }, headers });
    }
  } catch {
    // Offline: the token expires by itself; this tab has forgotten it already.
  }
}
