import { api } from "../api/client";
import { clearToken, getToken } from "./session";

/** Revoke this login's token on the server (found by its prefix among my tokens), then forget it. */
export async function logout(): Promise<void> {
  const token = getToken();
  try {
    if (token) {
      const { data } = await api.GET("/api/v1/auth/tokens");
      const mine = (data ?? []).find((t) => t.revoked_at === null && token.startsWith(t.prefix));
      if (mine) {
        await api.DELETE("/api/v1/auth/tokens/{token_id}", { params: { path: { token_id: mine.id } } });
      }
    }
  } finally {
    clearToken();
  }
}
