// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Delivery } from '../../src/delivery/delivery';
import { watchPage } from '../../src/delivery/lifecycle';

function watched() {
  const delivery = { hide: vi.fn(), show: vi.fn(), online: vi.fn(), frozen: { enter: vi.fn(), leave: vi.fn() } };
  watchPage(delivery as unknown as Delivery, delivery.frozen);
  return delivery;
}

function pagehide(persisted: boolean) {
  const event = new Event('pagehide');
  Object.defineProperty(event, 'persisted', { value: persisted });
  window.dispatchEvent(event);
}

function setVisibility(state: DocumentVisibilityState) {
  Object.defineProperty(document, 'visibilityState', { value: state, configurable: true });
  document.dispatchEvent(new Event('visibilitychange'));
}

function pageshow(persisted: boolean) {
  const event = new Event('pageshow');
  Object.defineProperty(event, 'persisted', { value: persisted });
  window.dispatchEvent(event);
}

afterEach(() => {
  delete (document as { visibilityState?: unknown }).visibilityState;
});

describe('watchPage', () => {
  it('hides delivery when the page is hidden, and shows it when visible again', () => {
    const delivery = watched();
    setVisibility('hidden');
    expect(delivery.hide).toHaveBeenCalledTimes(1);
    setVisibility('visible');
    expect(delivery.show).toHaveBeenCalledTimes(1);
  });

  it('hides delivery on pagehide, for Safari, and shows it on a pageshow from the back/forward cache', () => {
    const delivery = watched();
    window.dispatchEvent(new Event('pagehide'));
    expect(delivery.hide).toHaveBeenCalledTimes(1);
    pageshow(false);
    expect(delivery.show).not.toHaveBeenCalled();
    pageshow(true);
    expect(delivery.show).toHaveBeenCalledTimes(1);
  });

  it('lets go of the page\'s locks as it goes into the back/forward cache, and takes them back as it comes out', () => {
    const { frozen, show } = watched();
    pagehide(false);
    expect(frozen.enter).not.toHaveBeenCalled();
    pagehide(true);
    expect(frozen.enter).toHaveBeenCalledTimes(1);
    pageshow(true);
    expect(frozen.leave).toHaveBeenCalledTimes(1);
    expect(frozen.leave.mock.invocationCallOrder[0]).toBeLessThan(show.mock.invocationCallOrder[0]);
  });

  it('tells delivery when the network comes back', () => {
    const delivery = watched();
    window.dispatchEvent(new Event('online'));
    expect(delivery.online).toHaveBeenCalledTimes(1);
  });

  it('never listens to unload or beforeunload, which break the back/forward cache', () => {
    const listen = vi.spyOn(window, 'addEventListener');
    watched();
    const events = listen.mock.calls.map(([name]) => name);
    expect(events).not.toContain('unload');
    expect(events).not.toContain('beforeunload');
  });
});
