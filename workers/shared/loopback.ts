/** localhost, *.localhost, 127.0.0.0/8 and ::1 (bracketed, as in a URL, or bare, as in a listen address). */
const LOOPBACK = /^(localhost|[a-z0-9.-]+\.localhost|127(\.\d{1,3}){3}|::1|\[::1\])$/i;

export const isLoopbackHost = (hostname: string) => LOOPBACK.test(hostname);
