import { describe, expect, it } from "vitest";

import { ApiProblem, problemTitle } from "./problem";

describe("ApiProblem", () => {
  it("keys field problems by the field and says them in Russian", () => {
    const error = new ApiProblem(422, {
      type: "https://pomoshnik.example/problems/invalid-input",
      title: "Invalid input",
      status: 422,
      code: "invalid_input",
      errors: [
        { field: "email", reason: "value is not a valid email address: no @", code: "value_error" },
        { field: "body.result", reason: "String should have at most 4000 characters", code: "string_too_long" },
        { field: "body.lines.0.quantity", reason: "Field required", code: "missing" },
        { field: "due_at", reason: "must be in the future", code: "value_error" },
      ],
    });
    expect(error.fieldErrors()).toEqual({
      email: "Это не адрес электронной почты",
      result: "Слишком длинно",
      "lines.quantity": "Обязательное поле",
      due_at: "must be in the future",
    });
    expect(error.message).toBe("Invalid input");
  });

  it("titles a notice by the status", () => {
    expect(problemTitle(412)).toBe("Ошибка");
    expect(problemTitle(409)).toBe("Действие сейчас невозможно");
    expect(problemTitle(503)).toBe("Ошибка сервера");
  });
});
