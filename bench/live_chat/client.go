// The load client of bench/live_chat: many WebSocket viewers and a few senders in one Go process
// (a Python client tops out near 10,000 sockets on one core). Built from Debian's golang-go and
// golang-github-gorilla-websocket-dev, in GOPATH mode, by bench/live_chat/__main__.py.
//
// Viewers connect first (at -ramp per second), then the senders post -rate messages per second
// in total for -duration seconds, each body "bench:<sender>:<seq>:<unix nanoseconds>"; every
// viewer counts the bench messages it receives and the delay from the send. The result is one
// JSON object on stdout.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

const bucketMs = 1
const buckets = 60000

var (
	hist      [buckets + 1]int64
	received  int64
	acked     int64
	refused   int64
	sent      int64
	connected int64
	failed    int64
	dropped   int64
	errCodes  sync.Map
	marker    = []byte(`"b":"bench:`)
)

func dialer(ips []string, i int) *websocket.Dialer {
	ip := net.ParseIP(ips[i%len(ips)])
	nd := &net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}, Timeout: 30 * time.Second}
	return &websocket.Dialer{NetDial: nd.Dial, HandshakeTimeout: 30 * time.Second, ReadBufferSize: 4096, WriteBufferSize: 1024}
}

func header(origin, cookie string) http.Header {
	h := http.Header{}
	h.Set("Origin", origin)
	if cookie != "" {
		h.Set("Cookie", cookie)
	}
	return h
}

// record finds every bench message in a frame and files its delay.
func record(frame []byte, measuring *int32) int {
	n := 0
	rest := frame
	now := time.Now().UnixNano()
	for {
		i := bytes.Index(rest, marker)
		if i < 0 {
			return n
		}
		rest = rest[i+len(marker):]
		end := bytes.IndexByte(rest, '"')
		if end < 0 {
			return n
		}
		parts := strings.Split(string(rest[:end]), ":")
		rest = rest[end:]
		if len(parts) != 3 {
			continue
		}
		ns, err := strconv.ParseInt(parts[2], 10, 64)
		if err != nil {
			continue
		}
		n++
		if atomic.LoadInt32(measuring) == 1 {
			ms := (now - ns) / int64(time.Millisecond) / bucketMs
			if ms < 0 {
				ms = 0
			}
			if ms > buckets {
				ms = buckets
			}
			atomic.AddInt64(&hist[ms], 1)
			atomic.AddInt64(&received, 1)
		}
	}
}

func viewer(url, origin string, d *websocket.Dialer, measuring *int32, wg *sync.WaitGroup, ready chan<- bool) {
	defer wg.Done()
	conn, _, err := d.Dial(url, header(origin, ""))
	if err != nil {
		atomic.AddInt64(&failed, 1)
		ready <- false
		return
	}
	atomic.AddInt64(&connected, 1)
	ready <- true
	defer conn.Close()
	for {
		_, data, err := conn.ReadMessage()
		if err != nil {
			if atomic.LoadInt32(measuring) >= 0 {
				atomic.AddInt64(&dropped, 1)
			}
			return
		}
		if len(data) > 6 && bytes.HasPrefix(data, []byte(`{"t":"batch"`)) {
			record(data, measuring)
		}
	}
}

type ack struct {
	T      string `json:"t"`
	Status string `json:"status"`
	Code   string `json:"code"`
}

func dialSender(url, origin, cookie string, d *websocket.Dialer) *websocket.Conn {
	conn, _, err := d.Dial(url, header(origin, cookie))
	if err != nil {
		fmt.Fprintln(os.Stderr, "sender dial:", err)
		atomic.AddInt64(&failed, 1)
		return nil
	}
	go func() {
		for {
			_, data, err := conn.ReadMessage()
			if err != nil {
				return
			}
			if bytes.HasPrefix(data, []byte(`{"t":"ack"`)) || bytes.HasPrefix(data, []byte(`{"t":"error"`)) {
				var a ack
				if json.Unmarshal(data, &a) == nil {
					if a.T == "ack" && a.Status == "visible" {
						atomic.AddInt64(&acked, 1)
					} else if a.T == "error" {
						atomic.AddInt64(&refused, 1)
						v, _ := errCodes.LoadOrStore(a.Code, new(int64))
						atomic.AddInt64(v.(*int64), 1)
					}
				}
			}
		}
	}()
	return conn
}

// sender posts every `every`, the senders spread evenly over the interval; its socket stays open
// after the stop so the last acknowledgements still arrive.
func sender(idx, count int, conn *websocket.Conn, every time.Duration, stop <-chan struct{}, start time.Time, wg *sync.WaitGroup) {
	defer wg.Done()
	time.Sleep(time.Until(start.Add(time.Duration(idx) * every / time.Duration(count))))
	ticker := time.NewTicker(every)
	defer ticker.Stop()
	seq := 0
	tick := make(chan time.Time, 1)
	tick <- time.Now()
	for {
		select {
		case <-stop:
			return
		case t := <-ticker.C:
			tick <- t
		case <-tick:
			seq++
			body := fmt.Sprintf(`{"t":"say","c":"%d","b":"bench:%d:%d:%d"}`, seq, idx, seq, time.Now().UnixNano())
			if conn.WriteMessage(websocket.TextMessage, []byte(body)) != nil {
				return
			}
			atomic.AddInt64(&sent, 1)
		}
	}
}

func percentile(total int64, p float64) float64 {
	if total == 0 {
		return -1
	}
	target := int64(float64(total)*p + 0.5)
	var run int64
	for i := 0; i <= buckets; i++ {
		run += atomic.LoadInt64(&hist[i])
		if run >= target {
			return float64(i * bucketMs)
		}
	}
	return float64(buckets * bucketMs)
}

func main() {
	urls := flag.String("urls", "", "comma-separated chat socket URLs (viewers and senders are spread over them)")
	origin := flag.String("origin", "http://127.0.0.1", "Origin header")
	viewers := flag.Int("viewers", 1000, "viewer sockets")
	cookiesFile := flag.String("cookies", "", "file with one Cookie header per line, one per sender")
	rate := flag.Float64("rate", 20, "messages per second in total")
	duration := flag.Float64("duration", 20, "seconds of sending")
	drain := flag.Float64("drain", 3, "seconds to wait for the last messages")
	ramp := flag.Int("ramp", 2000, "new viewer connections per second")
	ips := flag.String("ips", "127.0.0.1", "local addresses to connect from (more ports than one address has)")
	flag.Parse()

	targets := strings.Split(*urls, ",")
	local := strings.Split(*ips, ",")
	var cookies []string
	if *cookiesFile != "" {
		f, err := os.Open(*cookiesFile)
		if err != nil {
			panic(err)
		}
		s := bufio.NewScanner(f)
		for s.Scan() {
			if line := strings.TrimSpace(s.Text()); line != "" {
				cookies = append(cookies, line)
			}
		}
		f.Close()
	}
	var measuring int32
	var wg sync.WaitGroup
	ready := make(chan bool, *viewers)
	began := time.Now()
	per := time.Second / time.Duration(*ramp)
	for i := 0; i < *viewers; i++ {
		wg.Add(1)
		go viewer(targets[i%len(targets)], *origin, dialer(local, i), &measuring, &wg, ready)
		time.Sleep(per)
	}
	for i := 0; i < *viewers; i++ {
		<-ready
	}
	connectSeconds := time.Since(began).Seconds()
	var conns []*websocket.Conn
	for i, c := range cookies {
		if conn := dialSender(targets[i%len(targets)], *origin, c, dialer(local, i+7)); conn != nil {
			conns = append(conns, conn)
		}
	}
	time.Sleep(time.Second)

	stop := make(chan struct{})
	var swg sync.WaitGroup
	every := time.Duration(float64(len(cookies)) / *rate * float64(time.Second))
	atomic.StoreInt32(&measuring, 1)
	fmt.Fprintln(os.Stderr, "MEASURE-START")
	start := time.Now()
	for i, conn := range conns {
		swg.Add(1)
		go sender(i, len(conns), conn, every, stop, start, &swg)
	}
	time.Sleep(time.Duration(*duration * float64(time.Second)))
	close(stop)
	swg.Wait()
	time.Sleep(time.Duration(*drain * float64(time.Second)))
	atomic.StoreInt32(&measuring, -1)
	elapsed := time.Since(start).Seconds()
	fmt.Fprintln(os.Stderr, "MEASURE-END")

	codes := map[string]int64{}
	errCodes.Range(func(k, v any) bool { codes[k.(string)] = atomic.LoadInt64(v.(*int64)); return true })
	expected := atomic.LoadInt64(&acked) * atomic.LoadInt64(&connected)
	got := atomic.LoadInt64(&received)
	lost := expected - got
	if lost < 0 {
		lost = 0
	}
	keys := make([]string, 0, len(codes))
	for k := range codes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := map[string]any{
		"viewers":          *viewers,
		"connected":        atomic.LoadInt64(&connected),
		"connect_failed":   atomic.LoadInt64(&failed),
		"connect_seconds":  connectSeconds,
		"dropped":          atomic.LoadInt64(&dropped),
		"sent":             atomic.LoadInt64(&sent),
		"acked":            atomic.LoadInt64(&acked),
		"refused":          atomic.LoadInt64(&refused),
		"refused_codes":    codes,
		"expected":         expected,
		"delivered":        got,
		"lost":             lost,
		"p50_ms":           percentile(got, 0.50),
		"p99_ms":           percentile(got, 0.99),
		"max_ms":           percentile(got, 1.0),
		"measured_seconds": elapsed,
	}
	json.NewEncoder(os.Stdout).Encode(out)
	os.Exit(0)
}
