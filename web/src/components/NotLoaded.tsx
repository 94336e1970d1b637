import { Alert, Loader } from "@mantine/core";

/**
 * What a page shows in place of a record or list it has not got: a loader while it is asked for,
 * the API's reason once it failed («Не удалось загрузить заявку: …»). Pages draw it while their
 * query is not a success (`if (!order.isSuccess) return <NotLoaded query={order} what="заявку" />`),
 * which also narrows the query to its data.
 */
export function NotLoaded({
  query,
  what,
  size,
}: {
  query: { isError: boolean; error: Error | null };
  /** The accusative after «Не удалось загрузить»: «заявку», «дела», «лист». */
  what: string;
  size?: "sm";
}) {
  if (query.isError) {
    return (
      <Alert color="red">
        Не удалось загрузить {what}: {query.error?.message}
      </Alert>
    );
  }
  return <Loader size={size} aria-label="Загрузка" />;
}
