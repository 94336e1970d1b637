import { Anchor, Badge, Button, Card, Group, Stack, Text, Title } from "@mantine/core";
import { createLink } from "@tanstack/react-router";
import { startTransition, useEffect, useState } from "react";

import type { components } from "../../api/schema";
import { formatDateTime, plural } from "../../lib/format";
import { TASK_KIND, TASK_SUBJECT } from "../../lib/labels";
import { useMyTasks } from "../../lib/me";
import { CompleteTaskModal } from "./CompleteTaskModal";
import { RescheduleModal } from "./RescheduleModal";
import { NotLoaded } from "../../components/NotLoaded";

export type Task = components["schemas"]["TaskRead"];

const AnchorLink = createLink(Anchor);

const TASK_FORMS = ["задача", "задачи", "задач"] as const;

// A bucket draws its first cards at once and the rest after the first paint, in a transition (the
// page stays responsive meanwhile): a day of hundreds of tasks shows its first ones as soon as a
// short day does.
const FIRST_CARDS = 20;

function useShownAfterPaint(total: number): number {
  const [all, setAll] = useState(total <= FIRST_CARDS);
  useEffect(() => {
    if (all) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const frame = requestAnimationFrame(() => {
      timer = setTimeout(() => startTransition(() => setAll(true)), 0);
    });
    return () => {
      cancelAnimationFrame(frame);
      clearTimeout(timer);
    };
  }, [all]);
  return all ? total : FIRST_CARDS;
}

/** The start page: my open tasks, overdue, for today and upcoming. */
export function TodayPage() {
  const tasks = useMyTasks();
  const [completing, setCompleting] = useState<Task | null>(null);
  const [moving, setMoving] = useState<Task | null>(null);

  if (!tasks.isSuccess) return <NotLoaded query={tasks} what="задачи" />;

  const { overdue, today, upcoming } = tasks.data;
  return (
    <Stack maw={960}>
      <Title order={2}>Сегодня</Title>
      <Bucket title="Просрочено" testId="overdue" tasks={overdue} color="red" onComplete={setCompleting} onMove={setMoving} />
      <Bucket title="На сегодня" testId="today" tasks={today} color="blue" onComplete={setCompleting} onMove={setMoving} />
      <Bucket title="Предстоящие" testId="upcoming" tasks={upcoming} color="gray" onComplete={setCompleting} onMove={setMoving} />
      {completing ? <CompleteTaskModal task={completing} onClose={() => setCompleting(null)} /> : null}
      {moving ? <RescheduleModal task={moving} onClose={() => setMoving(null)} /> : null}
    </Stack>
  );
}

function Bucket({
  title,
  testId,
  tasks,
  color,
  onComplete,
  onMove,
}: {
  title: string;
  testId: string;
  tasks: Task[];
  color: string;
  onComplete: (t: Task) => void;
  onMove: (t: Task) => void;
}) {
  const shown = useShownAfterPaint(tasks.length);
  return (
    <section aria-label={title} data-testid={`bucket-${testId}`}>
      <Group gap="xs" mb="xs">
        <Title order={3} size="h4">
          {title}
        </Title>
        <Badge color={color} variant="light">
          {tasks.length} {plural(tasks.length, TASK_FORMS)}
        </Badge>
      </Group>
      {tasks.length === 0 ? (
        <Text c="dimmed" size="sm">
          Нет задач
        </Text>
      ) : (
        <Stack gap="xs">
          {tasks.slice(0, shown).map((task) => (
            <TaskCard key={task.id} task={task} onComplete={onComplete} onMove={onMove} />
          ))}
        </Stack>
      )}
    </section>
  );
}

function TaskCard({ task, onComplete, onMove }: { task: Task; onComplete: (t: Task) => void; onMove: (t: Task) => void }) {
  const active = task.status === "open" || task.status === "in_progress";
  return (
    <Card withBorder padding="sm" data-testid="task" data-task-id={task.id}>
      <Group justify="space-between" align="flex-start" wrap="nowrap">
        <Stack gap={2} style={{ minWidth: 0 }}>
          <Group gap="xs">
            <Badge variant="outline" size="sm">
              {TASK_KIND[task.kind]}
            </Badge>
            <Text fw={600} data-testid="task-title">
              {task.title}
            </Text>
          </Group>
          <Text size="sm" c={task.overdue ? "red" : "dimmed"}>
            Срок: {formatDateTime(task.due_at)}
            {task.overdue ? " — просрочено" : ""}
          </Text>
          {task.description ? (
            <Text size="sm" style={{ overflowWrap: "anywhere" }}>
              {task.description}
            </Text>
          ) : null}
          <Subject task={task} />
        </Stack>
        <Group gap="xs" wrap="nowrap">
          {task.allowed_actions.includes("complete") ? (
            <Button size="xs" onClick={() => onComplete(task)}>
              {task.kind === "call" ? "Итог звонка" : "Выполнено"}
            </Button>
          ) : null}
          {active ? (
            <Button size="xs" variant="default" onClick={() => onMove(task)}>
              Перенести
            </Button>
          ) : null}
        </Group>
      </Group>
    </Card>
  );
}

function Subject({ task }: { task: Task }) {
  if (task.subject_type === "none" || task.subject_id === null) return null;
  const label = `${TASK_SUBJECT[task.subject_type]} №${task.subject_id}`;
  if (task.subject_type === "order") {
    return (
      <Text size="sm">
        <AnchorLink to="/orders/$orderId" params={{ orderId: task.subject_id }}>
          Открыть: {label}
        </AnchorLink>
      </Text>
    );
  }
  return <Text size="sm">{label}</Text>;
}
