package events

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// The RabbitMQ connection: a session of two connections and their
// channels, opened, watched and re-opened with backoff by supervise.

// session is one pair of broker connections (publishing and consuming
// apart, so flow control on one never stalls the other) with the channels
// opened on them. Any failure of any of them ends the whole session.
type session struct {
	pubConn, subConn *amqp.Connection
	pub              *amqp.Channel // confirm mode
	topo             *amqp.Channel // declarations
	consumers        map[string]*amqp.Channel
	tags             map[string]string
	windows          map[string]*ackWindow

	lost  chan struct{}
	once  sync.Once
	cause error
}

// fail ends the session (once) with cause.
func (x *session) fail(cause error) {
	x.once.Do(func() {
		x.cause = cause
		close(x.lost)
	})
}

// watch fails the session when c reports a close.
func (x *session) watch(what string, c chan *amqp.Error) {
	go func() {
		if e, ok := <-c; ok && e != nil {
			x.fail(fmt.Errorf("%s closed: %w", what, e))
			return
		}
		x.fail(fmt.Errorf("%s closed", what))
	}()
}

// close closes both connections; the broker requeues every unacknowledged
// delivery.
func (x *session) close() {
	if x.subConn != nil {
		_ = x.subConn.Close()
	}
	if x.pubConn != nil {
		_ = x.pubConn.Close()
	}
}

// supervise connects, declares the whole topology and consumes until the
// session fails, then does it all again, with backoff, until soft ends.
func (b *rabbitBus) supervise() {
	defer close(b.supervised)
	log := b.s.log
	backoff := minBackoff
	for b.soft.Err() == nil {
		x, err := b.connect()
		if err != nil {
			b.setHealth(false, "connect to RabbitMQ: "+err.Error())
			log.Warn("cannot connect to RabbitMQ; events wait in the outbox", "error", err, "retry_in", backoff)
			if !sleep(b.soft, jitter(backoff)) {
				return
			}
			backoff = min(2*backoff, maxBackoff)
			continue
		}
		backoff = minBackoff
		b.setHealth(true, "")
		log.Info("connected to RabbitMQ; topology declared", "exchange", b.exchange)
		b.s.wakeRelay()
		select {
		case <-b.soft.Done():
			return // stop closes the session once handlers are done
		case <-x.lost:
		}
		b.mu.Lock()
		if b.sess == x {
			b.sess = nil
		}
		b.mu.Unlock()
		x.close()
		b.setHealth(false, "RabbitMQ session lost: "+x.cause.Error())
		log.Warn("RabbitMQ session lost; reconnecting", "error", x.cause)
		if !sleep(b.soft, jitter(minBackoff)) {
			return
		}
	}
}

// jitter spreads d by ±20 % so replicas do not reconnect in step.
func jitter(d time.Duration) time.Duration {
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// dial opens one connection named after its role.
func (b *rabbitBus) dial(role string) (*amqp.Connection, error) {
	props := amqp.NewConnectionProperties()
	props.SetClientConnectionName(b.s.cfg.ConnectionName + " " + role)
	conn, err := amqp.DialConfig(b.s.cfg.AMQPURL, amqp.Config{
		Heartbeat:  heartbeat,
		Locale:     "en_US",
		Properties: props,
		Dial:       amqp.DefaultDial(dialTimeout),
	})
	if err != nil {
		return nil, fmt.Errorf("dial %s connection: %w", role, err)
	}
	return conn, nil
}

// connect opens a session, declares the exchange and every registered
// subscription's queues, starts their consumers and installs the session.
func (b *rabbitBus) connect() (*session, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	x := &session{consumers: map[string]*amqp.Channel{}, tags: map[string]string{}, windows: map[string]*ackWindow{}, lost: make(chan struct{})}
	if err := b.open(x); err != nil {
		x.fail(err)
		x.close()
		return nil, err
	}
	b.sess = x
	return x, nil
}

// open dials x's connections, opens its channels and declares the whole
// topology on them, starting every registered subscription's consumer.
func (b *rabbitBus) open(x *session) (err error) {
	if x.pubConn, err = b.dial("publisher"); err != nil {
		return err
	}
	x.watch("publisher connection", x.pubConn.NotifyClose(make(chan *amqp.Error, 1)))
	if x.subConn, err = b.dial("consumer"); err != nil {
		return err
	}
	x.watch("consumer connection", x.subConn.NotifyClose(make(chan *amqp.Error, 1)))
	if x.pub, err = x.pubConn.Channel(); err != nil {
		return fmt.Errorf("open publisher channel: %w", err)
	}
	if err = x.pub.Confirm(false); err != nil {
		return fmt.Errorf("enable publisher confirms: %w", err)
	}
	x.watch("publisher channel", x.pub.NotifyClose(make(chan *amqp.Error, 1)))
	if x.topo, err = x.subConn.Channel(); err != nil {
		return fmt.Errorf("open topology channel: %w", err)
	}
	x.watch("topology channel", x.topo.NotifyClose(make(chan *amqp.Error, 1)))
	if err = x.topo.ExchangeDeclare(b.exchange, amqp.ExchangeTopic, true, false, false, false, nil); err != nil {
		return fmt.Errorf("declare exchange %s: %w", b.exchange, err)
	}
	for _, sub := range b.s.subscriptions() {
		if err = b.declare(x, sub); err != nil {
			return err
		}
		if err = b.consume(x, sub); err != nil {
			return err
		}
	}
	return nil
}

// current returns the live session, or nil.
func (b *rabbitBus) current() *session {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.sess
}
