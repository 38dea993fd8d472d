/**
 * The columns of `fanout threads`, in the order it prints them. The header, the rows and
 * --help all come from this list, so they cannot drift apart.
 */
export const THREAD_COLUMNS = [
  { header: "THREAD", described: "id", field: "thread_id" },
  { header: "STATUS", described: "status", field: "status" },
  { header: "UNITS", described: "units done", field: "units_done" },
  { header: "STARTED", described: "started", field: "started" },
  { header: "UPDATED", described: "updated", field: "updated" },
  { header: "QUESTION", described: "question", field: "question" },
] as const;

export type ThreadColumnField = (typeof THREAD_COLUMNS)[number]["field"];
