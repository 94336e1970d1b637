import { Button, Center, Paper, PasswordInput, Stack, TextInput, Title } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { useNavigate, useRouter, useSearch } from "@tanstack/react-router";
import { type FormEvent, useState } from "react";

import { api } from "../../api/client";
import { ApiProblem, unwrap } from "../../api/problem";
import { useProblemHandler } from "../../lib/problems";
import { setToken } from "../../lib/session";
import { safeNext } from "../../lib/next";

export function LoginPage() {
  const search = useSearch({ from: "/login" });
  const navigate = useNavigate();
  const router = useRouter();
  const queryClient = useQueryClient();
  const onProblem = useProblemHandler();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setErrors({});
    setBusy(true);
    try {
      const token = unwrap(await api.POST("/api/v1/auth/token", { body: { email, password } }));
      setToken(token.access_token);
      queryClient.clear();
      const next = safeNext(search.next);
      await router.invalidate();
      await navigate({ href: next, replace: true });
    } catch (error) {
      if (error instanceof ApiProblem && error.status === 401) {
        setErrors({ password: "Неверный e-mail или пароль, либо учётная запись отключена" });
      } else {
        onProblem(error, setErrors, ["email", "password"]);
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <Center mih="100vh" bg="gray.0">
      <Paper component="form" onSubmit={(e: FormEvent) => void submit(e)} withBorder shadow="sm" p="xl" w={380} noValidate>
        <Stack>
          <Title order={2}>Помощник</Title>
          <TextInput
            label="E-mail"
            type="email"
            autoComplete="username"
            required
            autoFocus
            value={email}
            onChange={(e) => setEmail(e.currentTarget.value)}
            error={errors.email}
          />
          <PasswordInput
            label="Пароль"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
            error={errors.password}
            // In Russian, and in Tab's reach (Mantine takes it out of the order by default).
            visibilityToggleButtonProps={{ "aria-label": "Показать символы", tabIndex: 0 }}
          />
          <Button type="submit" loading={busy}>
            Войти
          </Button>
        </Stack>
      </Paper>
    </Center>
  );
}
