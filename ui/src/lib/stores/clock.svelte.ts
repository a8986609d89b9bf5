// A coarse clock for relative ages ("3 h"), so lists age without reloading.
let current = $state(Date.now());

setInterval(() => (current = Date.now()), 30_000);

export const clock = {
  get now() {
    return current;
  },
};
