/**
 * A rejected promise nobody handles is a fault: say so in the log. workerd prints these only in verbose mode,
 * which also prints every error an RPC method throws on purpose to a caller that handles it, so the farm and its
 * tests run workerd quietly and rely on this line instead.
 */
addEventListener("unhandledrejection", (event) => {
  console.error("Uncaught (in promise)", event.reason);
});
