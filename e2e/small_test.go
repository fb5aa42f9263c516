package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// jsClipped lists the controls of the side panels (the link buttons, the
// Engine select) that do not fit inside their panel's padding, or whose own
// text is cut. Headless Chromium hides scrollbars; a desktop browser's
// classic scrollbar takes about 15 px of the scrolling side column, so the
// column is given that much padding first.
const jsClipped = `(() => {
	document.getElementById('side').style.paddingRight = '17px';
	const bad = [];
	const els = [...document.querySelectorAll('#insp-links button'), document.getElementById('engine-select')];
	for (const el of els) {
		const panel = el.closest('.panel');
		const r = el.getBoundingClientRect(), pr = panel.getBoundingClientRect();
		const style = getComputedStyle(panel);
		const right = pr.right - parseFloat(style.borderRightWidth) - parseFloat(style.paddingRight);
		if (r.right > right + 0.5 || r.left < pr.left || el.scrollWidth > el.clientWidth + 1) {
			bad.push((el.dataset.testid || el.id) + ': ' + Math.round(r.left) + '-' + Math.round(r.right) + ' in a panel ' + Math.round(pr.left) + '-' + Math.round(right));
		}
	}
	return bad;
})()`

func TestSideControlsFitAt1280(t *testing.T) {
	p := newPage(t)
	for _, w := range []int64{1280, 1366, 1181, 1000} {
		if _, err := chromedp.Call(p.ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: w, Height: 800, DeviceScaleFactor: 1}); err != nil {
			t.Fatal(err)
		}
		p.open("")
		p.poll(`document.querySelector('[data-testid="link-1-2-oneway"]') !== null`)
		// One-way cuts make the state column widest ("✕ n1→n2").
		eval[bool](p, `(async () => { seshatPage.setPlaying(false); await seshatPage.command({kind: 'cut', node: 1, peer: 2, one_way: true}); await seshatPage.command({kind: 'cut', node: 3, peer: 1, one_way: true}); return true; })()`)
		p.poll(`document.querySelector('#insp-links .lstate.one-way') !== null`)
		if bad := eval[[]string](p, jsClipped); len(bad) > 0 {
			p.shot(fmt.Sprintf("clipped-%d", w))
			t.Errorf("at %d px, clipped: %s", w, strings.Join(bad, "; "))
		}
		if w == 1280 {
			p.shot("side-1280")
		}
	}
}

func TestTappingANodeOnAPhoneShowsItsPanel(t *testing.T) {
	p := newPage(t)
	if _, err := chromedp.Call(p.ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: 390, Height: 844, DeviceScaleFactor: 2, Mobile: true}); err != nil {
		t.Fatal(err)
	}
	p.open("")
	p.poll(jsLeader + ` > 0`)
	eval[bool](p, `(() => { seshatPage.setPlaying(false); window.scrollTo(0, 0); return true; })()`)
	p.click("node-3")
	// The panel's title shows n3, below the sticky timeline and on screen.
	p.poll(`(() => {
		const t = document.getElementById('insp-title').getBoundingClientRect();
		const bar = document.querySelector('.timeline').getBoundingClientRect();
		return document.getElementById('insp-title').textContent.startsWith('n3') && t.top >= bar.bottom && t.bottom <= window.innerHeight;
	})()`)
	p.shot("phone-inspector")
}

// TestPollWaitsForAnElementNotYetDrawn: a poll whose expression throws
// because the element it reads is not drawn yet (as kv-4 is not in the
// frames right after n4 joins) waits for it, and one that never stops
// throwing times out saying what it threw.
func TestPollWaitsForAnElementNotYetDrawn(t *testing.T) {
	p := newPage(t)
	p.open("")
	// The element appears ten animation frames from now.
	eval[bool](p, `(() => { let n = 10; const step = () => { if (--n > 0) { requestAnimationFrame(step); return; } const e = document.createElement('p'); e.id = 'late'; e.textContent = 'drawn'; document.body.append(e); }; requestAnimationFrame(step); return true; })()`)
	p.poll(`document.getElementById('late').textContent === 'drawn'`)

	err := pollPage(p.ctx, untilTrue(`document.getElementById('never').textContent === 'x'`), 500*time.Millisecond)
	if err == nil {
		t.Fatal("a poll of an element that never exists succeeded")
	}
	threw := eval[string](p, `window.__e2ePollThrew`)
	if !strings.Contains(threw, "TypeError") {
		t.Errorf("the poll recorded %q, not the TypeError it threw", threw)
	}
}
