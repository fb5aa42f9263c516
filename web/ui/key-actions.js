// The key switch: what each keyboard action (keys.js's table) does to the
// App, on an engine that can do it. DOM-free: the page passes what showing
// a notice and the shortcut list mean (controls/keyboard.js reads the keys).
import { blockedAction, refusedCommands } from './engine.js';

/**
 * runAction runs action a ({action, node?, dir?} from keys.js) on app
 * (ui/app.js). On engine kind, an action that needs virtual time it does
 * not have, or a command the engine refuses (its hello's refused), shows
 * notice(text) instead and changes nothing; 'help' calls
 * help(). It returns whether the action ran.
 */
export function runAction(app, a, { kind, notice, help }) {
  const blocked = blockedAction(kind, a.action, refusedCommands(app.engine));
  if (blocked) { notice(blocked); return false; }
  switch (a.action) {
    case 'toggle-play': app.setPlaying(!app.playing); break;
    case 'next': app.next(); break;
    case 'faster': app.faster(1); break;
    case 'slower': app.faster(-1); break;
    case 'back': app.travel(-1000); break;
    case 'forward': app.travel(1000); break;
    case 'select': app.select(a.node); break;
    case 'crash': case 'restart': case 'isolate': case 'campaign': case 'transfer': app.nodeCommand(a.action); break;
    case 'heal': app.command({ kind: 'heal' }); break;
    case 'manual': app.command({ kind: 'manual', on: !(app.view && app.view.manual) }); break;
    case 'cycle-message': app.cycleMessage(a.dir); break;
    case 'deliver': case 'drop': case 'duplicate': app.messageCommand(a.action); break;
    case 'deselect': app.selectMessage(0); break;
    case 'help': help(); break;
    default: return false;
  }
  return true;
}
